// Row timestamps are RFC 3339 strings, as Scalekit's REST API renders them.
export type Clock = () => number; // epoch milliseconds

export const systemClock: Clock = () => Date.now();

export function isoNow(clock: Clock): string {
  return new Date(clock()).toISOString();
}
