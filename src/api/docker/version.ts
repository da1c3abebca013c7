/** The newest Docker Engine API version berth speaks, and the oldest it accepts. */
export const API_VERSION = '1.51';
export const MIN_API_VERSION = '1.24';

/** Compares dotted API versions numerically ("1.9" < "1.10"). */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}
