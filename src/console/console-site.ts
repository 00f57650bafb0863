import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorEnvelope } from '../common/all-exceptions.filter.js';

/** Where `npm run build` writes the console (`console/` beside `src/`; the same from `dist/`). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

/**
 * The console's pages may load only the server's own scripts, styles and images and talk only to
 * the server (HTTP and its Socket.IO websocket). Inline styles: uPlot and Preact set style attributes.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * Serves the built console at /console: hashed assets cached for a year (the gzip and brotli files
 * written at build time sent to browsers that take them), the page itself always checked again.
 * Without a build, /console answers 404 saying how to make one. `GET /` redirects to /console.
 */
export async function serveConsole(app: NestFastifyApplication, dir = CONSOLE_DIR): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // The server's root is the console (the API lives under /api, /v1 and /docs).
  fastify.get('/', (_request, reply) => reply.redirect('/console', 302));
  if (!existsSync(`${dir}index.html`)) {
    const notBuilt = 'The console is not built: run `npm run build` (or `npm start`), then reload';
    for (const path of ['/console', '/console/*']) {
      fastify.get(path, (request, reply) => reply.code(404).send(errorEnvelope(404, notBuilt, request)));
    }
    return;
  }
  // The assets: every file name carries its content's hash, so they are cached for good.
  await app.register(fastifyStatic, {
    root: `${dir}assets`,
    prefix: '/console/assets/',
    decorateReply: false,
    preCompressed: true,
    index: false,
    cacheControl: false,
    setHeaders: (reply) => {
      void reply.header('cache-control', 'public, max-age=31536000, immutable');
      void reply.headers(PAGE_HEADERS);
    },
  });
  // The page, at /console and /console/ alike (asset paths are absolute): always checked again.
  const page = readFileSync(`${dir}index.html`);
  for (const path of ['/console', '/console/']) {
    fastify.get(path, (_request, reply) =>
      reply.headers(PAGE_HEADERS).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page),
    );
  }
}
