import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

type Json = Record<string, unknown>;

/**
 * OpenAI's published document (test/specs) made usable by ajv: OpenAPI 3.0's `nullable: true`
 * turned into a `null` alternative (and `null` added to an `enum`), as its README says.
 */
function nullables(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullables);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) out[k] = nullables(v);
  if (out.nullable === true) {
    delete out.nullable;
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

let ajv: Ajv2020 | undefined;
let doc: Json | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The errors of `value` against `components.schemas[name]` of OpenAI's document; [] when it conforms. */
export function specErrors(name: string, value: unknown): string[] {
  if (ajv === undefined) {
    const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'specs', 'openai-openapi.json');
    doc = nullables(JSON.parse(readFileSync(path, 'utf8'))) as Json;
    ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'openai', components: doc.components }, 'openai');
  }
  let validate = compiled.get(name);
  if (validate === undefined) {
    validate = ajv.compile({ $ref: `openai#/components/schemas/${name}` });
    compiled.set(name, validate);
  }
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/**
 * The errors of one Responses stream event against the event schema its `type` names (the
 * member of `ResponseStreamEvent` whose `type` enum has it); an event of no known type is one error.
 */
export function streamEventErrors(event: { type?: unknown }): string[] {
  specErrors('ResponseStreamEvent', {});
  const schemas = (doc!.components as { schemas: Record<string, Json> }).schemas;
  const members = (schemas.ResponseStreamEvent.anyOf ?? []) as { $ref: string }[];
  const name = members
    .map((m) => m.$ref.split('/').at(-1) as string)
    .find((n) => ((schemas[n].properties as Json)?.type as { enum?: unknown[] })?.enum?.includes(event.type));
  return name === undefined ? [`no event type ${String(event.type)} in ResponseStreamEvent`] : specErrors(name, event);
}
