import { STRATEGIES, type Strategy } from '../../common/strategies.js';
import {
  COMMON_OPTION_SPECS,
  commonOptionsOf,
  STRATEGY_OPTIONS,
  STRATEGY_SPECS,
  type OptionSpec,
} from '../../orchestration/engine/strategy-catalogue.js';

/** A tool of OrchestrateX's own MCP server, as `tools/list` gives it. */
export interface EndpointTool {
  name: string;
  title: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, object>; required?: string[]; additionalProperties: false };
}

export const TOOL_PREFIX = 'orchestrate_';

/** A run option of the strategy catalogue as a JSON schema property. */
function propertyOf(spec: OptionSpec): object {
  const bounds = { minimum: spec.minimum, maximum: spec.maximum };
  const described = { description: spec.description, ...(spec.default === null ? {} : { default: spec.default }) };
  if (spec.type === 'string[]') {
    return { type: 'array', items: { type: 'string' }, minItems: spec.minimum, maxItems: spec.maximum, ...described };
  }
  return { type: spec.type, ...(spec.type === 'string' || spec.type === 'boolean' ? {} : bounds), ...described };
}

/** `orchestrate_<strategy>`: one tool per strategy, its inputs the options that strategy reads. */
export function strategyTool(strategy: Strategy): EndpointTool {
  const spec = STRATEGY_SPECS[strategy];
  const properties: Record<string, object> = {
    prompt: { type: 'string', minLength: 1, description: 'What the team of models answers.' },
    sessionId: {
      type: 'string',
      pattern: '^[0-9a-f]{24}$',
      description: 'The session the run belongs to (its settings fill the options left out); default: a new session.',
    },
  };
  for (const option of commonOptionsOf(strategy)) properties[option] = propertyOf(COMMON_OPTION_SPECS[option]);
  for (const option of spec.options) properties[option] = propertyOf(STRATEGY_OPTIONS[option]);
  properties.tools = {
    type: 'array',
    items: { type: 'string' },
    maxItems: 32,
    description: 'MCP tools (server or server/tool) the writers may call, as OrchestrateX’s operator registered them.',
  };
  return {
    name: `${TOOL_PREFIX}${strategy}`,
    title: `Orchestrate: ${strategy}`,
    description: `${spec.summary} Returns the answer with its provenance: the models, their scores, the cost and the run id. Progress notifications report each stage while it runs.`,
    inputSchema: { type: 'object', properties, required: ['prompt'], additionalProperties: false },
  };
}

/** Every tool of OrchestrateX's MCP server: a strategy each, the model list, a run by id. */
export function endpointTools(): EndpointTool[] {
  return [
    ...STRATEGIES.map(strategyTool),
    {
      name: 'list_models',
      title: 'List models',
      description: 'The catalogue models a run may use: id, provider, roles, whether it is available now.',
      inputSchema: {
        type: 'object',
        properties: { available: { type: 'boolean', description: 'Only the models available now.' } },
        additionalProperties: false,
      },
    },
    {
      name: 'get_run',
      title: 'Get a run',
      description: 'A run by id: its status, answer, team, steps (with their scores and tool calls) and totals.',
      inputSchema: {
        type: 'object',
        properties: { runId: { type: 'string', pattern: '^[0-9a-f]{24}$' } },
        required: ['runId'],
        additionalProperties: false,
      },
    },
  ];
}
