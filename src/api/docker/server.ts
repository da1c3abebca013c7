import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { invalidArgument, notFound } from '../../lib/index.js';
import type { Engine } from '../../engine/index.js';
import { Router, sendError } from './http.js';
import { imageRoutes } from './images.js';
import { systemRoutes, type DaemonIdentity } from './system.js';
import { API_VERSION, MIN_API_VERSION, compareApiVersions } from './version.js';

const versionPrefix = /^\/v(\d+\.\d+)(\/.*)$/;

/** The Docker Engine API as a Node request listener over one engine. */
export function dockerApiHandler(engine: Engine, identity: DaemonIdentity): RequestListener {
  const router = new Router();
  systemRoutes(router, engine, identity);
  imageRoutes(router, engine);

  return (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://docker');
        let path = url.pathname;
        const versioned = versionPrefix.exec(path);
        if (versioned) {
          const [, version = '', rest = '/'] = versioned;
          if (compareApiVersions(version, API_VERSION) > 0) {
            throw invalidArgument(
              `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`,
            );
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
        await route.handler({ req, res, params: route.params, query: url.searchParams });
      } catch (err) {
        sendError(res, err);
      }
    })();
  };
}
