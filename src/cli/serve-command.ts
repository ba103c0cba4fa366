import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load-config.js';
import { withMockUpstreams } from '../mock-upstream/mock-routes.js';
import { buildApp } from '../gateway/build-app.js';
import { createDefaultDeps } from '../gateway/gateway-deps.js';
import { boundHeapGrowth } from '../gateway/heap-growth.js';
import { parsePositiveInt, UsageError } from './cli-error.js';

const SHUTDOWN_DEADLINE_MS = 30_000;

export interface ServeOptions {
  config: string;
  host?: string;
  port?: string;
  log?: string;
  mockUpstreams?: boolean;
}

export async function serve(options: ServeOptions): Promise<number> {
  // The gateway needs its keys: an unset ${ENV} reference is a config problem here, unless every route is mocked.
  if (options.config === DEFAULT_CONFIG_PATH && !existsSync(DEFAULT_CONFIG_PATH)) {
    throw new UsageError(
      `no ${DEFAULT_CONFIG_PATH} here: copy switchyard.example.yaml to ${DEFAULT_CONFIG_PATH} (or pass -c FILE); to try the gateway with no keys, run: switchyard serve -c switchyard.example.yaml --mock-upstreams`,
    );
  }
  const configured = await loadConfig(options.config, { requireSecrets: options.mockUpstreams !== true });
  const server = configured.file.server ?? {};
  boundHeapGrowth(server.heap_growing_percent);
  const host = options.host ?? server.host ?? '127.0.0.1';
  // Flags are checked before anything starts: a bad one must not leave mock servers holding the process.
  const port =
    options.port === undefined
      ? (server.port ?? 4000)
      : options.port === '0'
        ? 0
        : parsePositiveInt(options.port, '--port');
  const mocked = options.mockUpstreams ? await withMockUpstreams(configured.file, configured.path) : undefined;
  const closeMocks = () => Promise.all([...(mocked?.mocks.values() ?? [])].map((m) => m.close()));
  const loaded = mocked?.loaded ?? configured;
  let app: ReturnType<typeof buildApp> | undefined;
  try {
    // Under --mock-upstreams a reload reads the file again and points it at the same mocks.
    const reload = mocked
      ? async () =>
          (
            await withMockUpstreams(
              (await loadConfig(options.config, { requireSecrets: false })).file,
              configured.path,
              undefined,
              {},
              mocked.mocks,
            )
          ).loaded
      : undefined;
    app = buildApp(
      loaded,
      await createDefaultDeps(loaded, options.log === undefined ? {} : { logDir: options.log }),
      reload ? { reload } : {},
    );
    await app.listen({ host, port }).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`);
    });
  } catch (err) {
    // Whatever was started is stopped again, so the process exits with the message instead of hanging.
    await app?.close();
    await closeMocks();
    throw err;
  }
  const started = app;
  const stop = new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      started.log.info({ signal }, 'shutting down');
      // Requests in flight finish (and are logged); keep-alive connections are closed as soon as they go
      // idle instead of waiting for the client to drop them, and nothing waits past the deadline.
      const idle = setInterval(() => started.server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => started.server.closeAllConnections(), SHUTDOWN_DEADLINE_MS);
      void started
        .close()
        .then(closeMocks)
        .then(() => {
          clearInterval(idle);
          clearTimeout(deadline);
          resolve();
        });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  await stop;
  return 0;
}
