import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Engine } from '../../engine/index.js';
import { invalidArgument, notFound } from '../../lib/index.js';
import { buildRoutes, type BuildBackend } from './build.js';
import { containerArchiveRoutes } from './container-archive.js';
import { containerIoRoutes } from './container-io.js';
import { containerStatsRoutes, type StatsOptions } from './container-stats.js';
import { containerRoutes } from './containers.js';
import { EventLog, eventRoutes } from './events.js';
import { execRoutes } from './exec.js';
import { Router, sendError, type UpgradedConnection } from './http.js';
import { imageRoutes } from './images.js';
import { networkRoutes } from './networks.js';
import { systemRoutes, type DaemonIdentity } from './system.js';
import { systemDfRoutes } from './system-df.js';
import { readUpgradeBody } from './upgrade.js';
import { volumeRoutes } from './volumes.js';
import { API_VERSION, MIN_API_VERSION, compareApiVersions } from './version.js';

const versionPrefix = /^\/v(\d+\.\d+)(\/.*)$/;

/** Node's `server.on('upgrade')` listener. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The Docker Engine API over one engine: plain requests, and the `Upgrade: tcp`
 * requests (attach, exec start) that Node hands to `upgrade` instead. Both go through
 * the same router; an upgraded request that fails before hijacking gets an ordinary
 * HTTP error answer on its socket.
 */
export interface DockerApi {
  requestHandler: RequestListener;
  upgradeHandler: UpgradeListener;
  /** Ends hijacked connections (a server's close() does not wait for them otherwise). */
  closeHijacked(): void;
}

export interface DockerApiOptions {
  stats?: StatsOptions;
  /** What `POST /build` runs; without it builds are refused. */
  build?: BuildBackend;
}

export function dockerApi(engine: Engine, identity: DaemonIdentity, options: DockerApiOptions = {}): DockerApi {
  const router = new Router();
  systemRoutes(router, engine, identity);
  imageRoutes(router, engine);
  buildRoutes(router, engine, options.build);
  const { containers } = engine;
  containerRoutes(router, containers, engine.networks);
  containerIoRoutes(router, containers);
  containerStatsRoutes(router, containers, options.stats);
  containerArchiveRoutes(router, containers);
  execRoutes(router, containers);
  volumeRoutes(router, engine.volumes);
  networkRoutes(router, engine);
  systemDfRoutes(router, engine);
  eventRoutes(router, new EventLog([containers, engine.volumes, engine.networks]));

  const dispatch = async (req: IncomingMessage, res: ServerResponse, upgrade?: UpgradedConnection): Promise<void> => {
    try {
      const url = new URL(req.url ?? '/', 'http://docker');
      let path = url.pathname;
      const versioned = versionPrefix.exec(path);
      if (versioned) {
        const [, version = '', rest = '/'] = versioned;
        if (compareApiVersions(version, API_VERSION) > 0) {
          throw invalidArgument(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
        }
        if (compareApiVersions(version, MIN_API_VERSION) < 0) {
          throw invalidArgument(
            `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
          );
        }
        path = rest;
      }
      const route = router.match(req.method ?? 'GET', path);
      if (!route) throw notFound('page not found');
      await route.handler({ req, res, params: route.params, query: url.searchParams, ...(upgrade ? { upgrade } : {}) });
    } catch (err) {
      // Past the 101 there is no HTTP left to answer in: the stream just ends.
      if (upgrade?.hijacked) upgrade.socket.destroy();
      else sendError(res, err);
    }
  };

  const hijacked = new Set<Duplex>();
  return {
    requestHandler: (req, res) => void dispatch(req, res),
    closeHijacked: () => {
      for (const socket of hijacked) socket.destroy();
    },
    upgradeHandler: (req, socket, head) => {
      hijacked.add(socket);
      socket.once('close', () => hijacked.delete(socket));
      // A response object on the raw socket, for answers given before (or instead of) hijacking.
      const res = new http.ServerResponse(req);
      res.assignSocket(socket as Socket);
      res.shouldKeepAlive = false;
      res.once('finish', () => {
        res.detachSocket(socket as Socket);
        socket.end();
      });
      socket.on('error', () => socket.destroy());
      void (async () => {
        let upgrade: UpgradedConnection;
        try {
          upgrade = { socket, ...(await readUpgradeBody(req, socket, head)) };
        } catch (err) {
          sendError(res, err);
          return;
        }
        await dispatch(req, res, upgrade);
      })();
    },
  };
}

/** The Docker Engine API as a Node request listener (without hijacking). */
export function dockerApiHandler(engine: Engine, identity: DaemonIdentity): RequestListener {
  return dockerApi(engine, identity).requestHandler;
}
