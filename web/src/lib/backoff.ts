// Reconnect delays: exponential backoff with FULL jitter
// (delay = random(0, min(cap, base * 2^attempt))), so that thousands of
// clients dropped by one server restart do not reconnect in lockstep.

export interface BackoffOptions {
  /** First ceiling, in ms. */
  baseMs?: number;
  /** Largest ceiling, in ms. */
  capMs?: number;
  /** Returns a number in [0, 1). */
  random?: () => number;
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

/** backoffCeiling is the upper bound of the delay for the attempt (0-based). */
export function backoffCeiling(attempt: number, baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS): number {
  const n = Math.max(0, Math.floor(attempt));
  // 2^n overflows nothing here: past ~16 the cap always wins.
  const exp = n > 30 ? Infinity : baseMs * 2 ** n;
  return Math.min(capMs, exp);
}

/** backoffDelay picks the delay before reconnect attempt `attempt` (0-based). */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const random = opts.random ?? Math.random;
  const ceiling = backoffCeiling(attempt, opts.baseMs, opts.capMs);
  const r = Math.min(Math.max(random(), 0), 0.999999);
  return Math.floor(r * ceiling);
}
