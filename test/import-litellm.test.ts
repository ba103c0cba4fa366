import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { tempDir } from './helpers/hermetic.js';
import { ROOT, runCli } from './helpers/run-cli.js';
import { startProcess } from './helpers/start-process.js';

const dir = tempDir('switchyard-import');
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const importTo = async (litellm: string, out: string) => {
  const r = await runCli(['import', 'litellm', litellm, '--out', join(dir, out)]);
  return {
    ...r,
    config: parse(readFileSync(join(dir, out), 'utf8')) as { routes: Record<string, unknown>[]; [k: string]: unknown },
  };
};

describe('switchyard import litellm: the newcomer of issue 12', () => {
  let openai: MockUpstream;
  let anthropic: MockUpstream;
  beforeAll(async () => {
    [openai, anthropic] = await Promise.all([
      startMockUpstream('direct'),
      startMockUpstream('anthropic', {}, 0, 'anthropic'),
    ]);
  });
  afterAll(async () => Promise.all([openai.close(), anthropic.close()]));

  it('turns two models with their keys into a config serve accepts: gpt-5 to OpenAI, claude to Anthropic in its format', async () => {
    // The seed's file, with api_base pointing at local stand-ins for the two providers.
    const litellm = write(
      'seed.yaml',
      `model_list:
  - model_name: gpt-5
    litellm_params: { model: openai/gpt-5, api_key: os.environ/OPENAI_API_KEY, api_base: "${openai.url}" }
  - model_name: claude-sonnet-4-6
    litellm_params: { model: anthropic/claude-sonnet-4-6, api_key: sk-ant-literal-secret-0000000000, api_base: "${anthropic.url}" }
general_settings:
  master_key: sk-master-literal-0000000000
`,
    );
    const { code, stderr, config } = await importTo(litellm, 'seed.switchyard.yaml');
    expect(code).toBe(0);
    expect(stderr).toContain('it loads');
    const text = readFileSync(join(dir, 'seed.switchyard.yaml'), 'utf8');
    // No secret in the output: the literal key became a variable, the master key its hash.
    expect(text).not.toContain('sk-ant-literal');
    expect(text).not.toContain('sk-master-literal');
    // The stand-ins listen on loopback, which the import takes for servers in the building: on-prem routes,
    // priced by the hour (at 0 until the operator says), cleared for the top level.
    const onprem = { kind: 'onprem', clearance: 'restricted', pricing: { fixed_per_hour_usd: 0 } };
    expect(config.routes).toEqual([
      {
        id: 'openai-gpt-5',
        provider: 'openai',
        ...onprem,
        models: ['gpt-5'],
        base_url: openai.url,
        api_key: '${OPENAI_API_KEY}',
      },
      {
        id: 'anthropic-claude-sonnet-4-6',
        provider: 'anthropic',
        ...onprem,
        models: ['claude-sonnet-4-6'],
        base_url: anthropic.url,
        api_key: '${ANTHROPIC_API_KEY}',
      },
    ]);
    const bin = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));
    const serve = await startProcess(
      [bin, 'serve', '--config', join(dir, 'seed.switchyard.yaml'), '--port', '0'],
      { OPENAI_API_KEY: 'sk-o-0123456789', ANTHROPIC_API_KEY: 'sk-a-0123456789' },
      ROOT,
    );
    try {
      const ask = async (model: string) => {
        const res = await request(`http://127.0.0.1:${serve.port}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-master-literal-0000000000' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        });
        await res.body.dump();
        return `${res.statusCode} ${String(res.headers['x-switchyard-route'])}`;
      };
      expect(await ask('gpt-5')).toBe('200 openai-gpt-5');
      expect(await ask('claude-sonnet-4-6')).toBe('200 anthropic-claude-sonnet-4-6');
      expect(anthropic.received.at(-1)?.path).toBe('/v1/messages');
      expect(anthropic.received.at(-1)?.headers['x-api-key']).toBe('sk-a-0123456789');
    } finally {
      await serve.stop();
    }
  });
});

describe("switchyard import litellm: configs written from LiteLLM's docs", () => {
  it('load balancing: two deployments of one model_name become two routes of one model, with rpm/tpm, strategy, retries, timeout', async () => {
    const { code, config, stderr } = await importTo(
      write(
        'lb.yaml',
        `model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_KEY_EU, rpm: 480, tpm: 100000 }
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_KEY_US, rpm: 900 }
  - model_name: gpt-4o
    litellm_params: { model: azure/gpt-4o-eu, api_base: "https://x.openai.azure.com/", api_key: os.environ/AZURE_API_KEY, api_version: "2024-02-01" }
router_settings:
  routing_strategy: simple-shuffle
  num_retries: 3
  timeout: 30
  allowed_fails: 3
litellm_settings:
  drop_params: true
`,
      ),
      'lb.switchyard.yaml',
    );
    expect(code).toBe(0);
    expect(config.routing).toEqual({ strategy: 'weighted' });
    expect(config.routes.map((r) => [r.id, r.api_key, r.limits])).toEqual([
      ['openai-gpt-4o', '${OPENAI_KEY_EU}', { rpm: 480, tpm: 100000 }],
      ['openai-gpt-4o-2', '${OPENAI_KEY_US}', { rpm: 900 }],
      ['azure-gpt-4o', '${AZURE_API_KEY}', undefined],
    ]);
    expect(config.routes[0]).toMatchObject({ retries: { max: 3 }, timeouts: { total_ms: 30000 } });
    // An Azure deployment: its endpoint, its API version, the public name mapped to the deployment.
    expect(config.routes[2]).toMatchObject({
      provider: 'azure',
      base_url: 'https://x.openai.azure.com',
      api_version: '2024-02-01',
      models: { 'gpt-4o': 'gpt-4o-eu' },
    });
    // What did not map says why.
    expect(stderr).toMatch(/allowed_fails\s+no/);
    expect(stderr).toMatch(/litellm_settings\.drop_params\s+no/);
  });

  it("fallbacks: router_settings fallbacks become the config's, context-window fallbacks are named as unmapped", async () => {
    const { code, config, stderr } = await importTo(
      write(
        'fallbacks.yaml',
        `model_list:
  - model_name: gpt-5
    litellm_params: { model: openai/gpt-5 }
  - model_name: claude-sonnet-4-6
    litellm_params: { model: anthropic/claude-sonnet-4-6 }
  - model_name: gpt-5-mini
    litellm_params: { model: gpt-5-mini }
router_settings:
  fallbacks: [{ gpt-5: [claude-sonnet-4-6, gpt-5-mini] }]
  context_window_fallbacks: [{ gpt-5-mini: [gpt-5] }]
`,
      ),
      'fallbacks.switchyard.yaml',
    );
    expect(code).toBe(0);
    expect(config.fallbacks).toEqual({ 'gpt-5': ['claude-sonnet-4-6', 'gpt-5-mini'] });
    // A bare model name is OpenAI's, as in LiteLLM.
    expect(config.routes.map((r) => r.provider)).toEqual(['openai', 'anthropic', 'openai']);
    expect(stderr).toMatch(/context_window_fallbacks\s+no/);
    const check = await runCli(['check', '-c', join(dir, 'fallbacks.switchyard.yaml'), '--json']);
    const chain = (
      JSON.parse(check.stdout) as { chains: { model: string; level: string; routes: string[] }[] }
    ).chains.find((c) => c.model === 'gpt-5' && c.level === 'public');
    expect(chain?.routes).toEqual([
      'openai-gpt-5/gpt-5',
      'anthropic-claude-sonnet-4-6/claude-sonnet-4-6',
      'openai-gpt-5-mini/gpt-5-mini',
    ]);
  });

  it('tag routing: tagged deployments become rules beside the config; untagged requests go to the default ones', async () => {
    const { code, config } = await importTo(
      write(
        'tags.yaml',
        `model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o-mini, api_key: os.environ/FREE_KEY, tags: [free] }
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, tags: [paid] }
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, tags: [default] }
router_settings:
  enable_tag_filtering: true
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
`,
      ),
      'tags.switchyard.yaml',
    );
    expect(code).toBe(0);
    expect(config.policies).toEqual(['tags.switchyard.rules.json']);
    expect(config.tenants).toEqual([{ id: 'default', api_keys: ['${LITELLM_MASTER_KEY}'] }]);
    const gpt4o = async (tags: string) => {
      const out = await runCli(
        [
          'explain',
          '-',
          '-c',
          join(dir, 'tags.switchyard.yaml'),
          '--tenant',
          'default',
          '--json',
          ...(tags ? ['--tags', tags] : []),
        ],
        { stdin: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) },
      );
      return (JSON.parse(out.stdout) as { routes: { route: string }[] }).routes.map((x) => x.route);
    };
    expect(await gpt4o('free')).toEqual(['openai-gpt-4o']);
    expect(await gpt4o('paid')).toEqual(['openai-gpt-4o-2']);
    expect(await gpt4o('')).toEqual(['openai-gpt-4o-3']);
  });

  it('self-hosted deployments (hosted_vllm, ollama, openai/ on a private address) become on-prem routes that load, priced by the hour', async () => {
    // The shapes LiteLLM's docs give for vLLM, Ollama and an OpenAI-compatible server on the network.
    const litellm = write(
      'onprem.yaml',
      `model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY }
  - model_name: local-llama
    litellm_params: { model: hosted_vllm/meta-llama/Llama-3.3-70B-Instruct, api_base: http://127.0.0.1:8000/v1 }
  - model_name: local-qwen
    litellm_params: { model: ollama/qwen2.5, api_base: http://localhost:11434 }
  - model_name: lab-mistral
    litellm_params: { model: openai/mistral-small, api_base: http://10.0.4.17:8080/v1, api_key: "none" }
`,
    );
    const { code, stderr, config } = await importTo(litellm, 'onprem.switchyard.yaml');
    expect(stderr).toContain('it loads');
    expect(code).toBe(0);
    const byId = Object.fromEntries(config.routes.map((r) => [r.id, r]));
    expect(byId['openai-gpt-4o']).not.toHaveProperty('kind');
    for (const id of ['vllm-local-llama', 'ollama-local-qwen', 'openai-lab-mistral']) {
      expect(byId[id]).toMatchObject({ clearance: 'restricted', pricing: { fixed_per_hour_usd: 0 } });
    }
    expect(byId['openai-lab-mistral']).toMatchObject({ kind: 'onprem' });
    expect(stderr).toMatch(
      /route vllm-local-llama is on-prem: priced fixed_per_hour_usd: 0 — set the server's real hourly cost/,
    );
    expect(readFileSync(join(dir, 'onprem.switchyard.yaml'), 'utf8')).toContain("set each server's real hourly cost");
  });

  it('an api_base read from the environment is written as ${NAME}, checked with placeholders, and its variable listed (exit 0)', async () => {
    const litellm = write(
      'envbase.yaml',
      `model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, api_base: os.environ/OPENAI_BASE_OVERRIDE }
general_settings: { master_key: os.environ/LITELLM_MASTER_KEY }
`,
    );
    const { code, stderr, config } = await importTo(litellm, 'envbase.switchyard.yaml');
    expect(code).toBe(0);
    expect(config.routes[0]).toMatchObject({ base_url: '${OPENAI_BASE_OVERRIDE}' });
    expect(stderr).toContain(
      'the config reads LITELLM_MASTER_KEY, OPENAI_API_KEY, OPENAI_BASE_OVERRIDE from the environment; unset here: LITELLM_MASTER_KEY, OPENAI_API_KEY, OPENAI_BASE_OVERRIDE',
    );
    expect(stderr).toContain('it loads');
  });

  it('a file larger than a LiteLLM config could be is refused before it is parsed: one line, exit 2', async () => {
    const big = write(
      'huge.yaml',
      `model_list:\n${'  - model_name: m\n    litellm_params: { model: openai/gpt-5 }\n'.repeat(90_000)}`,
    );
    const { code, stderr } = await runCli(['import', 'litellm', big]);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/huge\.yaml: [\d.]+ MB is more than a LiteLLM config holds \(at most 4 MB\)$/);
  });

  it('a file that is not a LiteLLM config gets one clear line and exit 2', async () => {
    const { code, stderr } = await runCli(['import', 'litellm', write('nope.yaml', 'routes: []\n')]);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/nope\.yaml: not a LiteLLM proxy config: no model_list$/);
  });
});

describe('switchyard import litellm: the cloud deployments regulated teams use', () => {
  it('one Azure, Bedrock, Vertex and Gemini deployment each load and route, with region, project and api_version', async () => {
    const aws = {
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'import-test-secret-key-0123456789',
    };
    Object.assign(process.env, aws); // the Bedrock mock checks signatures against the same credentials
    const mocks = {
      azure: await startMockUpstream('azure', {}, 0, 'azure-openai'),
      bedrock: await startMockUpstream('bedrock', {}, 0, 'bedrock'),
      vertex: await startMockUpstream('vertex', {}, 0, 'vertex'),
      gemini: await startMockUpstream('gemini', {}, 0, 'gemini'),
    };
    const metadata = createServer((_req, res) => {
      res.setHeader('metadata-flavor', 'Google');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'ya29.import-test', expires_in: 3599, token_type: 'Bearer' }));
    });
    await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
    const litellm = write(
      'cloud.yaml',
      `model_list:
  - model_name: gpt-5-mini
    litellm_params: { model: azure/mini-prod, api_base: "${mocks.azure.url.replace(/\/v1$/, '')}", api_key: os.environ/AZURE_API_KEY, api_version: "2024-10-21" }
  - model_name: claude-sonnet-4-6
    litellm_params: { model: bedrock/converse/eu.anthropic.claude-sonnet-4-6, api_base: "${mocks.bedrock.url}", aws_region_name: eu-west-1 }
  - model_name: gemini-2.5-pro
    litellm_params: { model: vertex_ai/gemini-2.5-pro, api_base: "${mocks.vertex.url}", vertex_project: acme-prod, vertex_location: europe-west4 }
  - model_name: gemini-2.5-flash
    litellm_params: { model: gemini/gemini-2.5-flash, api_base: "${mocks.gemini.url}", api_key: os.environ/GEMINI_API_KEY }
general_settings:
  master_key: sk-master-cloud-0000000000
`,
    );
    try {
      const { code, config } = await importTo(litellm, 'cloud.switchyard.yaml');
      expect(code).toBe(0);
      expect(config.routes.map((r) => [r.provider, r.region, r.project, r.api_version])).toEqual([
        ['azure', undefined, undefined, '2024-10-21'],
        ['bedrock', 'eu-west-1', undefined, undefined],
        ['vertex', 'europe-west4', 'acme-prod', undefined],
        ['gemini', undefined, undefined, undefined],
      ]);
      const bin = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));
      const serve = await startProcess(
        [bin, 'serve', '--config', join(dir, 'cloud.switchyard.yaml'), '--port', '0'],
        {
          ...aws,
          AZURE_API_KEY: 'azure-key-0123456789',
          GEMINI_API_KEY: 'gemini-key-0123456789',
          GCE_METADATA_HOST: `127.0.0.1:${(metadata.address() as AddressInfo).port}`,
        },
        ROOT,
      );
      try {
        for (const [model, route] of [
          ['gpt-5-mini', 'azure-gpt-5-mini'],
          ['claude-sonnet-4-6', 'bedrock-claude-sonnet-4-6'],
          ['gemini-2.5-pro', 'vertex-gemini-2.5-pro'],
          ['gemini-2.5-flash', 'gemini-gemini-2.5-flash'],
        ]) {
          const res = await request(`http://127.0.0.1:${serve.port}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'Bearer sk-master-cloud-0000000000' },
            body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
          });
          const body = await res.body.text();
          expect(`${res.statusCode} ${String(res.headers['x-switchyard-route'])}`, body).toBe(`200 ${route}`);
        }
        expect(mocks.bedrock.received.at(-1)?.path).toBe('/model/eu.anthropic.claude-sonnet-4-6/converse');
        expect(mocks.vertex.received.at(-1)?.path).toMatch(/^\/v1\/projects\/acme-prod\/locations\/europe-west4\//);
      } finally {
        await serve.stop();
      }
    } finally {
      await Promise.all(Object.values(mocks).map((m) => m.close()));
      await new Promise((resolve) => metadata.close(resolve));
    }
  });
});
