const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** How far back to read the decision log: `7d`, `12h`, `30m` before `nowMs`, or an ISO date; NaN when it is neither. */
export function windowStart(since: string, nowMs: number): number {
  const rel = /^(\d+)([mhd])$/.exec(since);
  if (rel) return nowMs - Number(rel[1]) * (UNITS[rel[2] as string] as number);
  return Date.parse(since);
}
