import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { isInvalidArgument } from '../../lib/index.js';
import { parseHtpasswd, verifyPassword } from './htpasswd.js';

const hash = (password: string, prefix = '$2b$'): string => bcrypt.hashSync(password, 4).replace(/^\$2[aby]\$/, prefix);

describe('htpasswd', () => {
  test('parses bcrypt entries of every prefix, skipping blanks and comments', async () => {
    const text = `# users\nalice:${hash('a', '$2y$')}\r\n\nbob:${hash('b', '$2a$')}\ncarol:${hash('c')}\n`;
    const users = parseHtpasswd(text);
    assert.deepEqual([...users.keys()], ['alice', 'bob', 'carol']);
    assert.equal(await verifyPassword(users, 'alice', 'a'), true);
    assert.equal(await verifyPassword(users, 'bob', 'b'), true);
    assert.equal(await verifyPassword(users, 'carol', 'c'), true);
  });

  test('wrong passwords and unknown users are refused', async () => {
    const users = parseHtpasswd(`alice:${hash('secret', '$2y$')}`);
    assert.equal(await verifyPassword(users, 'alice', 'Secret'), false);
    assert.equal(await verifyPassword(users, 'alice', ''), false);
    assert.equal(await verifyPassword(users, 'mallory', 'secret'), false);
  });

  test('other hash schemes fail with the file and line', () => {
    for (const entry of ['alice:$apr1$abcdefgh$0123456789abcdefghijkl', 'alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', 'alice:plain', 'alice:abCDefGH12345']) {
      assert.throws(
        () => parseHtpasswd(`# x\n${entry}\n`, 'users.htpasswd'),
        (err: unknown) => isInvalidArgument(err) && /users\.htpasswd:2: .*alice.*bcrypt/.test((err as Error).message),
      );
    }
    assert.throws(() => parseHtpasswd('no-colon-here\n'), /expected user:hash/);
  });
});
