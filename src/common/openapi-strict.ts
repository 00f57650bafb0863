import type { OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { requireSomeNames } from './require-some.js';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; $ref?: string };

const REF = '#/components/schemas/';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Every schema name a request body reaches, through properties, items and compositions. */
function inputSchemas(document: OpenAPIObject): Set<string> {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const ref = (node as Schema).$ref;
    if (typeof ref === 'string' && ref.startsWith(REF)) {
      const name = ref.slice(REF.length);
      if (found.has(name)) return;
      found.add(name);
      visit(schemas[name]);
    }
    for (const value of Object.values(node)) visit(value);
  };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) visit(item[method]?.requestBody);
  }
  return found;
}

/** class-validator's `@IsInt()` fields, by class name, inherited ones included (PickType, PartialType). */
function integerFields(): Map<string, Set<string>> {
  const storage = getMetadataStorage() as unknown as {
    validationMetadatas: Map<object, { propertyName: string; name?: string }[]>;
  };
  const own = (target: object): string[] =>
    (storage.validationMetadatas.get(target) ?? []).filter((m) => m.name === 'isInt').map((m) => m.propertyName);
  const out = new Map<string, Set<string>>();
  for (const target of storage.validationMetadatas.keys()) {
    const name = (target as { name?: unknown }).name;
    if (typeof name !== 'string') continue;
    const fields = new Set<string>();
    for (
      let at: object | null = target;
      at !== null && at !== Function.prototype;
      at = Object.getPrototypeOf(at) as object | null
    ) {
      for (const field of own(at)) fields.add(field);
    }
    if (fields.size > 0) out.set(name, fields);
  }
  return out;
}

/**
 * Makes the generated document say what the server enforces, so clients generated from it send
 * what it accepts: request schemas refuse unknown properties (the validation pipe does) and change
 * bodies must set a field; `@IsInt()` fields are integers; a query parameter with a default is
 * optional; every operation with a body can answer 413.
 */
export function strictenDocument(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const mustSetOne = requireSomeNames();
  for (const name of inputSchemas(document)) {
    const schema = schemas[name];
    if (schema === undefined || schema.type !== 'object') continue;
    schema.additionalProperties = false;
    if (mustSetOne.has(name)) schema.minProperties = 1;
  }
  for (const [name, fields] of integerFields()) {
    const properties = schemas[name]?.properties;
    if (properties === undefined) continue;
    for (const field of fields) {
      const property = properties[field];
      if (property?.type === 'number') property.type = 'integer';
    }
  }
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      for (const parameter of operation.parameters ?? []) {
        if ('in' in parameter && parameter.in === 'query' && parameter.schema && 'default' in parameter.schema) {
          parameter.required = false;
        }
      }
      if (operation.requestBody !== undefined && operation.responses['413'] === undefined) {
        operation.responses['413'] = {
          description: 'The body is larger than BODY_LIMIT_BYTES (or a message than MESSAGE_MAX_CHARS).',
          content: { 'application/json': { schema: { $ref: `${REF}ErrorEnvelope` } } },
        };
      }
    }
  }
  return document;
}
