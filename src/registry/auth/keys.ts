import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument, isErrno } from '../../lib/index.js';
import { algorithmOf, privateKeyFromPem } from './jwt.js';

/** Where a registry keeps the token key it generated itself. */
export const generatedKeyPath = (root: string): string => path.join(root, 'token-key.pem');

/**
 * The token signing key: `file` when given (EC P-256 or RSA, PEM), else the one under the
 * root, generated (EC P-256, mode 0600) at first start.
 */
export function loadTokenKey(root: string, file?: string): KeyObject {
  if (file !== undefined) {
    let key: KeyObject;
    try {
      key = privateKeyFromPem(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw invalidArgument(`cannot read token key ${file}: ${(err as Error).message}`, err);
    }
    try {
      algorithmOf(key);
    } catch (err) {
      throw invalidArgument(`token key ${file}: ${(err as Error).message}`, err);
    }
    return key;
  }
  const target = generatedKeyPath(root);
  try {
    return privateKeyFromPem(fs.readFileSync(target, 'utf8'));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  fs.mkdirSync(root, { recursive: true });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  try {
    fs.writeFileSync(target, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process won the race: use its key.
    if (isErrno(err, 'EEXIST')) return privateKeyFromPem(fs.readFileSync(target, 'utf8'));
    throw err;
  }
  return privateKey;
}
