import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstreamHttp } from './upstream-http.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('UpstreamHttp.fetch, over real HTTP', () => {
  let server: Server;
  let base: string;
  let handler: Handler = (_req, _body, res) => res.end();
  const http = new UpstreamHttp();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => handler(req, body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('should send the method, path, query, headers and body, and read status, headers and JSON', async () => {
    let seen: { method?: string; url?: string; auth?: string; type?: string; body?: string } = {};
    handler = (req, body, res) => {
      seen = {
        method: req.method,
        url: req.url,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        body,
      };
      res.setHeader('x-multi', ['a', 'b']);
      res.setHeader('retry-after', '2');
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"slow down"}}');
    };
    const response = await http.fetch(`${base}/v1/chat/completions?beta=1`, {
      method: 'POST',
      headers: new Headers({ Authorization: 'Bearer sim-key', 'Content-Type': 'application/json' }),
      body: '{"model":"m"}',
    });
    expect(seen).toEqual({
      method: 'POST',
      url: '/v1/chat/completions?beta=1',
      auth: 'Bearer sim-key',
      type: 'application/json',
      body: '{"model":"m"}',
    });
    expect(response.status).toBe(429);
    expect(response.ok).toBe(false);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(await response.json()).toEqual({ error: { message: 'slow down' } });
  });

  it('should hand over a streamed body piece by piece, as it arrives', async () => {
    let sendRest: () => void = () => undefined;
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      sendRest = () => res.end('data: second\n\n');
    };
    const response = await http.fetch(`${base}/stream`, { method: 'POST', body: '{}' });
    const pieces: string[] = [];
    for await (const chunk of response.body as unknown as AsyncIterable<Buffer>) {
      pieces.push(chunk.toString());
      // The second piece is only sent once the first has been read here.
      if (pieces.length === 1) sendRest();
    }
    expect(pieces.join('')).toBe('data: first\n\ndata: second\n\n');
    expect(pieces[0]).toBe('data: first\n\n');
  });

  it('should give up when its signal aborts, with the signal reason', async () => {
    handler = () => undefined; // never answers
    const controller = new AbortController();
    const pending = http.fetch(`${base}/hang`, { method: 'POST', body: '{}', signal: controller.signal });
    const reason = new Error('caller went away');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('should pass a redirect on as a status rather than follow it, and refuse a body it cannot send', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(307, { location: '/elsewhere' });
      res.end();
    };
    const response = await http.fetch(`${base}/moved`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(307);
    expect(response.headers.get('location')).toBe('/elsewhere');
    await response.text();
    await expect(http.fetch(`${base}/x`, { method: 'POST', body: new URLSearchParams('a=1') })).rejects.toThrow(
      'UpstreamHttp sends a string or bytes body only',
    );
  });
});
