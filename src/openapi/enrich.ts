import type { OpenAPIObject } from '@nestjs/swagger';
import { exampleErrors } from './error-examples.js';
import { addGatewayPaths } from './gateway-paths.js';
import { OPERATION_NOTES } from './operation-notes.js';
import { PROPERTY_GLOSSARY } from './property-glossary.js';
import { exampleRequests } from './request-examples.js';

const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;

/**
 * What the generated document lacks for a reader: each operation's description, an example of every
 * error it answers and of each request body, the properties' meanings, and the routes Nest does not
 * document (`/v1`, `/metrics`).
 */
export function enrichDocument(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      const notes = OPERATION_NOTES[operation?.operationId ?? ''];
      if (operation === undefined || notes === undefined) continue;
      operation.description = notes.description;
      if (!operation.summary && notes.summary) operation.summary = notes.summary;
    }
  }
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    const properties = ('properties' in schema ? schema.properties : undefined) ?? {};
    for (const [name, property] of Object.entries(properties)) {
      const meaning = PROPERTY_GLOSSARY[name];
      if (meaning === undefined || '$ref' in property || property.description) continue;
      property.description = meaning;
    }
  }
  exampleErrors(document);
  exampleRequests(document);
  addGatewayPaths(document);
  return document;
}
