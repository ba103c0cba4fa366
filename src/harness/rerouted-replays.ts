import { dailyCosts, type PointCost } from './daily-costs.js';
import { generateTraffic } from './generate-traffic.js';
import type { PreparedOption } from './prepared-option.js';
import { replayBatch, type ReplayContext } from './replay.js';
import { ScenarioDb } from './scenario-db.js';

interface OwnReplays {
  readonly db: ScenarioDb;
  readonly volumes: Map<number, number>;
  readonly pointAt: Map<number, number>;
}

/**
 * An option that a sensitivity variant changes so that it routes differently (`rerouted`) is replayed again,
 * into a scratch DuckDB of its own, once per volume: the base run's rows stay as they were.
 */
export class ReroutedReplays {
  private readonly own = new WeakMap<PreparedOption, OwnReplays>();
  private readonly scratch: ScenarioDb[] = [];

  constructor(private readonly ctx: ReplayContext) {}

  /** The changed option `i`'s daily cost at `tokensPerDay`, replayed the first time it is asked for. */
  async costs(changed: readonly PreparedOption[], i: number, tokensPerDay: number): Promise<PointCost[]> {
    const option = changed[i] as PreparedOption;
    const own = await this.replaysOf(option, i);
    let point = own.pointAt.get(tokensPerDay);
    if (point === undefined) {
      point = own.volumes.size;
      own.volumes.set(point, tokensPerDay);
      own.pointAt.set(tokensPerDay, point);
      const { shape, days, seed } = this.ctx;
      const routeIds = new Map(option.routing.routes.map((r, j) => [r.id, j]));
      const batch = generateTraffic(shape, tokensPerDay, days, seed);
      replayBatch(batch, option, i, point, routeIds, own.db, this.ctx);
      own.db.flush();
    }
    return dailyCosts(own.db, changed, own.volumes, this.ctx.days, point);
  }

  close(): void {
    for (const db of this.scratch) db.close();
  }

  private async replaysOf(option: PreparedOption, i: number): Promise<OwnReplays> {
    let own = this.own.get(option);
    if (own) return own;
    const db = await ScenarioDb.create(':memory:');
    this.scratch.push(db);
    await db.insert(
      'routes',
      option.routing.routes.map((r, j) => [i, j, r.id, r.kind]),
    );
    this.own.set(option, (own = { db, volumes: new Map(), pointAt: new Map() }));
    return own;
  }
}
