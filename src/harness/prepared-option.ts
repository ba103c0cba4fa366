import type { ConfigFile } from '../config/config-schema.js';
import type { RoutingConfig } from '../engine/routing-config.js';
import type { Capacity } from './scenario-schema.js';

/** One option of a scenario, loaded: its routing, its whole config, and its fixed costs and capacity. */
export interface PreparedOption {
  readonly id: string;
  readonly label: string;
  readonly routing: RoutingConfig;
  /** The option's whole config file (live runs start a gateway on it). */
  readonly file: ConfigFile;
  /** Where the option's config stands (relative paths in it are relative to this file). */
  readonly configPath: string;
  /** Named fixed costs per day, pico-dollars. */
  readonly fixedPerDay: readonly { name: string; pico: bigint }[];
  readonly capacity: readonly Capacity[];
}
