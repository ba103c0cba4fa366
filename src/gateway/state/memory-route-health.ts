import type { LatencySnapshot, RouteHealth } from '../../engine/planner.js';
import { CircuitBreaker, DEFAULT_CIRCUIT, type CircuitOptions, type CircuitState } from './circuit-breaker.js';
import type { Clock } from './clock.js';
import { LatencyWindow } from './latency-window.js';
import type { RouteHealthStore } from './route-health-store.js';

class RouteRecord {
  readonly circuit: CircuitBreaker;
  readonly windows = new Map<string, LatencyWindow>();
  /** Each model's latest percentiles, replaced when a window recomputes them. */
  readonly latency = new Map<string, LatencySnapshot>();
  /** Attempts let through and not yet ended. */
  inFlight = 0;
  constructor(options: CircuitOptions) {
    this.circuit = new CircuitBreaker(options);
  }
}

/** An attempt ended (each one let through ends once: succeeded, failed or released). */
const ended = (r: RouteRecord) => void (r.inFlight = Math.max(0, r.inFlight - 1));

/** The route health of one gateway process. */
export class MemoryRouteHealth implements RouteHealthStore {
  private readonly routes = new Map<string, RouteRecord>();

  constructor(
    private readonly clock: Clock,
    private readonly options: CircuitOptions = DEFAULT_CIRCUIT,
  ) {}

  private record(route: string): RouteRecord {
    let r = this.routes.get(route);
    if (!r) this.routes.set(route, (r = new RouteRecord(this.options)));
    return r;
  }

  get(route: string): RouteHealth | undefined {
    const r = this.routes.get(route);
    return r && { circuit: r.circuit.state(this.clock.now()), latency: r.latency, inFlight: r.inFlight };
  }

  circuitState(route: string): CircuitState {
    return this.routes.get(route)?.circuit.state(this.clock.now()) ?? 'closed';
  }

  tryAcquire(route: string): boolean {
    const r = this.record(route);
    const acquired = r.circuit.tryAcquire(this.clock.now());
    if (acquired) r.inFlight++;
    return acquired;
  }

  succeeded(route: string, model: string, totalMs: number, ttftMs: number): void {
    const r = this.record(route);
    r.circuit.recordSuccess();
    ended(r);
    this.observed(route, model, totalMs, ttftMs);
  }

  /** A latency sample, from here or from another instance (then it says nothing of the circuit here). */
  observed(route: string, model: string, totalMs: number, ttftMs: number): void {
    const r = this.record(route);
    let w = r.windows.get(model);
    if (!w) r.windows.set(model, (w = new LatencyWindow()));
    if (w.add(totalMs, ttftMs)) r.latency.set(model, w.current as LatencySnapshot);
  }

  failed(route: string): boolean {
    const r = this.record(route);
    ended(r);
    return r.circuit.recordFailure(this.clock.now());
  }

  /** Another instance opened this route's circuit: open it here too. */
  openedElsewhere(route: string): void {
    this.record(route).circuit.openAt(this.clock.now());
  }

  async close(): Promise<void> {}

  released(route: string): void {
    const r = this.routes.get(route);
    if (!r) return;
    ended(r);
    r.circuit.release();
  }
}
