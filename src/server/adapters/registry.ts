import type { WireFormat } from '../../engine/config-schema.js';
import { anthropicAdapter } from './anthropic-adapter.js';
import { openAiAdapter } from './openai-adapter.js';
import type { UpstreamAdapter } from './upstream-adapter.js';

/** The adapter for each wire format a route may declare. */
export const WIRE_ADAPTERS: Readonly<Record<WireFormat, UpstreamAdapter>> = { openai: openAiAdapter, anthropic: anthropicAdapter };
