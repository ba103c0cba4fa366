import type { LoadedConfig } from '../config/load-config.js';
import { loadConfigObject } from '../config/load-config.js';
import type { ConfigFile } from '../config/config-schema.js';
import type { RouteKind } from '../engine/config-schema.js';
import { startMockUpstream, type MockBehavior, type MockUpstream } from './mock-upstream.js';

const MOCK_KEY = 'sk-mock-upstream-key';
const UNRESOLVED = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;

/**
 * A config whose every route points at a mock upstream of its own on loopback (speaking the route's wire
 * format), so the gateway runs with no provider and no key. Unresolved `${ENV}` secrets are dropped: the
 * admin API stays off without a real admin key. Pass the `mocks` of an earlier call to rewire a reloaded
 * config to the same servers.
 */
export async function withMockUpstreams(
  file: ConfigFile,
  configPath: string,
  behaviorOf: (kind: RouteKind) => MockBehavior = () => ({}),
  override: Partial<ConfigFile> = {},
  mocks = new Map<string, MockUpstream>(),
): Promise<{ loaded: LoadedConfig; mocks: Map<string, MockUpstream> }> {
  const started: MockUpstream[] = [];
  try {
    // Routes that already have a mock (a reload) keep it; new ones get theirs.
    for (const route of file.routes) {
      if (mocks.has(route.id)) continue;
      const mock = await startMockUpstream(route.id, behaviorOf(route.kind), 0, route.format ?? 'openai');
      started.push(mock);
      mocks.set(route.id, mock);
    }
    const adminKey = file.server?.admin_key;
    const config = {
      ...file,
      server: { ...file.server, ...(adminKey && UNRESOLVED.test(adminKey) ? { admin_key: undefined } : {}) },
      routes: file.routes.map((r) => ({
        ...r,
        base_url: (mocks.get(r.id) as MockUpstream).url,
        ...(r.api_key ? { api_key: MOCK_KEY } : {}),
      })),
      ...override,
    };
    return { loaded: await loadConfigObject(JSON.parse(JSON.stringify(config)) as unknown, configPath), mocks };
  } catch (err) {
    // Only what this call started: a refused reload leaves the running mocks alone.
    await Promise.all(started.map((m) => m.close()));
    for (const [id, m] of mocks) if (started.includes(m)) mocks.delete(id);
    throw err;
  }
}
