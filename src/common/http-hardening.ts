import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { BadRequestException } from '@nestjs/common';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import secureJson from 'secure-json-parse';
import { errorEnvelope } from './all-exceptions.filter.js';

/** Deeper bodies are refused: no request of ours needs more, and recursive readers would overflow the stack. */
export const MAX_JSON_DEPTH = 64;

/** How deeply a parsed JSON value nests (arrays and objects), counted without recursion. */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * The JSON body parser: Fastify's rules (prototype-poisoning keys refused), but a refused key is
 * named instead of reported as "Body is not valid JSON"; a body nested deeper than MAX_JSON_DEPTH
 * is refused; an empty body is no body (many HTTP clients send `Content-Type: application/json`
 * on a POST without one: routes that take none accept it, the others say what they need). Given
 * to `app.useBodyParser`.
 */
export function parseJsonBody(
  _request: FastifyRequest,
  body: Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const text = body.toString('utf8');
  if (text.trim().length === 0) return done(null, undefined);
  let parsed: unknown;
  try {
    parsed = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    // secure-json-parse says "forbidden prototype property" for both keys it refuses.
    if (/forbidden prototype property/.test(message)) {
      const key = /"__proto__"\s*:/.test(text) ? '__proto__' : 'constructor';
      return done(new BadRequestException(`The request body has a "${key}" key, which is refused`));
    }
    return done(new BadRequestException(`The request body is not valid JSON: ${message}`));
  }
  if (depthOf(parsed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    return done(
      new BadRequestException(`The request body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`),
    );
  }
  done(null, parsed);
}

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Which methods each route path answers, so a known path asked with another method gets 405 and
 * an `Allow` header instead of 404. Fills itself from Fastify's onRoute hook (add it before routes).
 */
export class AllowedMethods {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true });
  private readonly seen = new Set<string>();

  constructor(fastify: FastifyInstance) {
    fastify.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        // The router ignores a trailing slash: /console and /console/ are one path to it.
        const key = `${method} ${route.url.length > 1 ? route.url.replace(/\/$/, '') : route.url}`;
        if (!METHODS.includes(method as HTTPMethod) || this.seen.has(key)) continue;
        this.seen.add(key);
        this.router.on(method as HTTPMethod, route.url, () => undefined);
      }
    });
  }

  /** The methods the path answers (none: the path is unknown). */
  of(url: string): string[] {
    const path = url.split('?')[0];
    return METHODS.filter((method) => this.router.find(method, path) !== null);
  }

  /**
   * Answers a request that no route takes but whose path other methods answer with 405 and `Allow`,
   * before its body is read (a QUERY or TRACE would otherwise fail on its body or reach the 404).
   */
  refuseOtherMethods(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.url !== undefined) return done();
      const allowed = this.of(request.url);
      if (allowed.length === 0) return done();
      const path = request.url.split('?')[0];
      void reply
        .status(405)
        .header('allow', allowed.join(', '))
        .header('content-type', 'application/json; charset=utf-8')
        .send(
          errorEnvelope(405, `${request.method} is not allowed on ${path}; it answers ${allowed.join(', ')}`, request),
        );
    });
  }
}
