import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { age, humanDuration } from './duration.js';

describe('humanDuration', () => {
  it('renders ages as kubectl does', () => {
    const s = 1000;
    const m = 60 * s;
    const h = 60 * m;
    const d = 24 * h;
    const cases: Array<[number, string]> = [
      [-5 * s, '<invalid>'], [-500, '0s'], [0, '0s'], [45 * s, '45s'], [119 * s, '119s'], [2 * m, '2m'], [3 * m + 20 * s, '3m20s'],
      [10 * m + 30 * s, '10m'], [179 * m, '179m'], [3 * h, '3h'], [5 * h + 10 * m, '5h10m'], [8 * h + 10 * m, '8h'], [47 * h, '47h'],
      [2 * d, '2d'], [2 * d + 3 * h, '2d3h'], [8 * d, '8d'], [400 * d, '400d'], [730 * d, '2y'], [3 * 365 * d + 40 * d, '3y40d'], [9 * 365 * d, '9y'],
    ];
    for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, String(ms));
  });

  it('reads timestamps, unknown when missing or malformed', () => {
    const now = new Date('2024-05-01T12:00:00Z');
    assert.equal(age('2024-05-01T11:55:00Z', now), '5m');
    assert.equal(age(undefined, now), '<unknown>');
    assert.equal(age('yesterday', now), '<unknown>');
  });
});
