import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalQuantity } from './quantity.js';

describe('canonicalQuantity', () => {
  it('writes quantities as the API server stores them', () => {
    const cases: Array<[unknown, string]> = [
      ['100m', '100m'], ['1000m', '1'], ['0.5', '500m'], ['1.5', '1500m'], ['1000', '1k'], ['1500', '1500'], ['2k', '2k'], ['0', '0'], ['0Gi', '0'],
      ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['0.5Gi', '512Mi'], ['1.5Ki', '1536'], ['512Ki', '512Ki'], ['1Ki', '1Ki'], ['2048Ki', '2Mi'],
      ['1e3', '1e3'], ['1E6', '1e6'], ['0.0000000001', '1n'], ['-100m', '-100m'], ['+5', '5'], ['.5', '500m'], ['5.', '5'],
      [1, '1'], [0.25, '250m'], [2048, '2048'],
    ];
    for (const [input, expected] of cases) assert.equal(canonicalQuantity(input), expected, String(input));
  });

  it('refuses what is not a quantity', () => {
    for (const bad of ['', '1 Gi', '1GiB', 'lots', '.', '1e', Number.NaN, null, {}]) assert.equal(canonicalQuantity(bad), undefined, String(bad));
  });
});
