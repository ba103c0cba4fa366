import type { WireFormat } from '../../engine/config-schema.js';
import type { UpstreamAdapter } from './upstream-adapter.js';
import { openAiAdapter } from './openai-adapter.js';

/** The adapter for each wire format a route may declare. */
export const WIRE_ADAPTERS: Readonly<Partial<Record<WireFormat, UpstreamAdapter>>> = { openai: openAiAdapter };
