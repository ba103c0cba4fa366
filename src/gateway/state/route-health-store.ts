import type { RouteStats } from '../../engine/planner.js';
import type { CircuitState } from './circuit-breaker.js';

/**
 * What the gateway has seen of each route: its circuit and rolling latency by model. The planner reads it
 * (`RouteStats`, on every request, so reads are local); the relay writes to it around each attempt
 * (`relay/health-wrapped-attempt.ts`). In memory (`memory-route-health.ts`); with shared state, circuit
 * openings and latency samples are shared with the other instances through Redis (`shared-route-health.ts`).
 */
export interface RouteHealthStore extends RouteStats {
  circuitState(route: string): CircuitState;
  /** Before an attempt: false when the circuit allows none (open, or a half-open probe already out). */
  tryAcquire(route: string): boolean;
  succeeded(route: string, model: string, totalMs: number, ttftMs: number): void;
  /** Records a failed attempt; true when it opened the route's circuit. */
  failed(route: string): boolean;
  /** An attempt that ended for the caller's reasons (it hung up): neither success nor failure. */
  released(route: string): void;
  /** Lets go of connections (a shared store). */
  close(): Promise<void>;
}
