import { loadConfig } from '../config/load-config.js';
import { failoverDrill, type Chain, type Drill, type TrafficKind } from '../engine/failover-drill.js';
import { createTable, renderTable } from './table.js';

export interface CheckOptions {
  config: string;
  probe?: boolean;
  json?: boolean;
}

const kindName = (k: TrafficKind) => `${k.level} ${k.model}${k.residency ? ` (${k.residency})` : ''}`;

/** Single points of failure and traffic nothing can carry, in words. */
function findings(drill: Drill, topLevel: string): string[] {
  const out: string[] = [];
  for (const c of drill.chains) {
    if (c.singlePoint) {
      const route = c.routes[0]!.split('/')[0];
      const byDesign = c.level === topLevel ? ', by design (only on-prem routes may carry it)' : '';
      out.push(`single point of failure: ${kindName(c)}: one route, ${route}; if it fails: 503${byDesign}`);
    }
  }
  for (const c of drill.chains) if (c.denial) out.push(`unreachable: ${kindName(c)}: ${c.denial}`);
  return out;
}

function renderDrill(path: string, summary: string, drill: Drill, topLevel: string): string {
  const lines = [`${path}: valid (${summary})`, ''];
  const chains = createTable(['model', 'level', 'residency', 'route chain (every route up)']);
  for (const c of drill.chains)
    chains.push([
      c.model,
      c.level,
      c.residency ?? '-',
      c.denial ? `none: ${c.denial.split(':')[0]}` : c.routes.join(' → '),
    ]);
  lines.push(renderTable(chains), '');
  const found = findings(drill, topLevel);
  lines.push(...(found.length > 0 ? found : ['no single point of failure, every model reachable at every level']), '');
  const down = createTable(['when this route is down', 'its traffic goes to']);
  for (const r of drill.routesDown)
    down.push([
      r.route,
      r.effects.length === 0
        ? '(it is first for nothing)'
        : r.effects.map((e) => `${kindName(e.traffic)} → ${e.then}`).join('\n'),
    ]);
  lines.push(renderTable(down));
  return lines.join('\n');
}

export async function check(options: CheckOptions): Promise<number> {
  // A probe sends real requests: every key must be set. Without it, the config alone is checked.
  const loaded = await loadConfig(options.config, { requireSecrets: options.probe === true });
  const { routing } = loaded;
  const drill = failoverDrill(routing, Date.now());
  const topLevel = routing.sensitivity.levels.at(-1) as string;
  const probes = options.probe
    ? await (await import('../gateway/probe-routes.js')).probeRoutes(loaded.file.routes)
    : undefined;
  const failedProbes = probes?.filter((p) => !p.ok) ?? [];
  if (options.json) {
    const chains = drill.chains.map((c: Chain) => ({ ...c }));
    console.log(
      JSON.stringify(
        {
          config: loaded.path,
          valid: true,
          chains,
          routes_down: drill.routesDown,
          findings: findings(drill, topLevel),
          ...(probes ? { probes } : {}),
        },
        null,
        2,
      ),
    );
  } else {
    const summary = `${routing.routes.length} routes, ${routing.tenants.size} tenants, ${routing.policy.rules.length} rules`;
    console.log(renderDrill(loaded.path, summary, drill, topLevel));
    if (probes) {
      const table = createTable(['probe', 'model', 'result', 'ms']);
      for (const p of probes) table.push([p.route, p.model ?? '-', p.verdict, p.ms]);
      console.log(`\n${renderTable(table)}`);
    }
  }
  if (failedProbes.length > 0)
    console.error(
      `switchyard: ${failedProbes.length} route${failedProbes.length === 1 ? '' : 's'} failed the probe: ${failedProbes.map((p) => p.route).join(', ')}`,
    );
  return failedProbes.length > 0 ? 1 : 0;
}
