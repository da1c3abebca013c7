import { randomInt } from 'node:crypto';
import { invalidArgument } from '../../lib/index.js';

/** Docker's rule for container names (a leading `/` is accepted and dropped). */
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The name without Docker's leading slash; refuses what Docker refuses. */
export function normalizeName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_PATTERN.test(bare)) {
    throw invalidArgument(`Invalid container name (${bare}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return bare;
}

// Our own small word lists: moods and weather for the first half, navigators and
// cartographers for the second.
const ADJECTIVES = [
  'amber', 'bold', 'brave', 'breezy', 'bright', 'calm', 'clever', 'cosy', 'crisp', 'daring',
  'dusty', 'eager', 'fair', 'fierce', 'foggy', 'gentle', 'glad', 'golden', 'hardy', 'hazy',
  'humble', 'jolly', 'keen', 'kind', 'lively', 'lucid', 'merry', 'misty', 'nimble', 'noble',
  'patient', 'plucky', 'polite', 'proud', 'quiet', 'rapid', 'rustic', 'salty', 'serene', 'sharp',
  'shy', 'silent', 'snowy', 'solid', 'steady', 'stormy', 'sunny', 'swift', 'tidy', 'upbeat',
  'vivid', 'warm', 'wary', 'windy', 'wise', 'witty', 'young', 'zesty',
];

const SURNAMES = [
  'abruzzi', 'amundsen', 'baffin', 'balboa', 'barents', 'bering', 'bougainville', 'cabot',
  'cabral', 'cartier', 'champlain', 'cook', 'dampier', 'dezhnev', 'dias', 'drake', 'flinders',
  'franklin', 'frobisher', 'gama', 'hudson', 'humboldt', 'ibnbattuta', 'jansz', 'kupe',
  'laperouse', 'magellan', 'mercator', 'nansen', 'nordenskiold', 'orellana', 'peary', 'polo',
  'ptolemy', 'raleigh', 'ross', 'scott', 'shackleton', 'tasman', 'vancouver', 'verrazzano',
  'vespucci', 'zheng',
];

const pick = (words: readonly string[]): string => words[randomInt(words.length)] ?? 'berth';

/**
 * A fresh `adjective_surname` name not in use; after a few collisions a digit is added,
 * as Docker does.
 */
export function generateName(inUse: (name: string) => boolean): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    let name = `${pick(ADJECTIVES)}_${pick(SURNAMES)}`;
    if (attempt >= 10) name += String(randomInt(10));
    if (!inUse(name)) return name;
  }
  throw invalidArgument('could not generate a unique container name');
}
