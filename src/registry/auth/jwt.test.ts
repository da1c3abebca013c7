import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { publicKeyOf, signToken, TokenError, verifyToken, type TokenProblem } from './jwt.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const access = [{ type: 'repository', name: 'a/b', actions: ['pull'] }];
const input = { issuer: 'iss', subject: 'alice', audience: 'svc', access };
const problem = (p: TokenProblem) => (err: unknown) => err instanceof TokenError && err.problem === p;

describe('JWT', () => {
  for (const [alg, key] of [['ES256', ec], ['RS256', rsa]] as const) {
    test(`${alg}: signs and verifies with the claims of Docker's token spec`, () => {
      const now = new Date('2026-01-01T00:00:00Z');
      const { token } = signToken(key, { ...input, now });
      const [header = ''] = token.split('.');
      assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { typ: 'JWT', alg });
      const claims = verifyToken(publicKeyOf(key), token, { audience: 'svc', issuer: 'iss', now });
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.aud, 'svc');
      assert.equal(claims.exp - claims.iat, 300);
      assert.deepEqual(claims.access, access);
    });
  }

  test('refuses expired, foreign audience or issuer, other keys and tampering', () => {
    const pub = publicKeyOf(ec);
    const { token } = signToken(ec, input);
    const later = new Date(Date.now() + 301_000);
    assert.throws(() => verifyToken(pub, token, { audience: 'svc', issuer: 'iss', now: later }), problem('expired'));
    assert.throws(() => verifyToken(pub, token, { audience: 'other', issuer: 'iss' }), problem('audience'));
    assert.throws(() => verifyToken(pub, token, { audience: 'svc', issuer: 'other' }), problem('issuer'));
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    assert.throws(() => verifyToken(publicKeyOf(stranger), token, { audience: 'svc', issuer: 'iss' }), problem('signature'));
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...input, aud: 'svc', iss: 'iss', exp: 4e9, access: [{ type: 'repository', name: 'a/b', actions: ['push'] }] })).toString('base64url');
    assert.throws(() => verifyToken(pub, `${h}.${forged}.${s}`, { audience: 'svc', issuer: 'iss' }), problem('signature'));
    // The key decides the algorithm, never the token's header.
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${forged}.`;
    assert.throws(() => verifyToken(pub, none, { audience: 'svc', issuer: 'iss' }), problem('algorithm'));
    assert.throws(() => verifyToken(publicKeyOf(rsa), token, { audience: 'svc', issuer: 'iss' }), problem('algorithm'));
    assert.throws(() => verifyToken(pub, 'not-a-jwt', { audience: 'svc', issuer: 'iss' }), problem('malformed'));
  });
});
