/**
 * A small, fast, seeded PRNG (sfc32) and the draws the traffic generator needs. Same seed, same stream,
 * on every machine: the harness is deterministic.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(...seeds: number[]) {
    // splitmix32 over the seeds gives four well-mixed words of state.
    let h = 0x9e3779b9;
    const mix = (x: number) => {
      h = Math.imul(h ^ x, 0x85ebca6b) + 0x6b43a9b3;
      h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
      return (h ^= h >>> 16) >>> 0;
    };
    for (const s of seeds) mix(s | 0);
    this.a = mix(1);
    this.b = mix(2);
    this.c = mix(3);
    this.d = mix(4);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Index drawn from cumulative weights (last entry = total). */
  pick(cumulative: Float64Array): number {
    const x = this.next() * (cumulative[cumulative.length - 1] as number);
    let i = 0;
    while ((cumulative[i] as number) <= x && i < cumulative.length - 1) i++;
    return i;
  }
}

export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (out[i] = sum += w));
  return out;
}
