import type { WireFormatId } from '../../engine/config-schema.js';
import { anthropicFormat } from './anthropic/anthropic-format.js';
import { azureOpenAiFormat } from './azure/azure-openai-format.js';
import { bedrockFormat } from './bedrock/bedrock-format.js';
import { geminiFormat, vertexFormat } from './gemini/gemini-format.js';
import { openAiFormat } from './openai/openai-format.js';
import { responsesFormat } from './responses/responses-format.js';
import type { WireFormat } from './wire-format.js';

/** Every wire format a route or a caller may speak: one row adds a format. */
export const WIRE_FORMATS: Readonly<Record<WireFormatId, WireFormat>> = {
  openai: openAiFormat,
  anthropic: anthropicFormat,
  'openai-responses': responsesFormat,
  'azure-openai': azureOpenAiFormat,
  bedrock: bedrockFormat,
  gemini: geminiFormat,
  vertex: vertexFormat,
};
