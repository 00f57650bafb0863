import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An upstream that answers every request with an error quoting the credential it was sent, as
 * several real providers do in their 401 messages: OpenAI's shape on `/v1/…`, Anthropic's on
 * `/messages`. `status` picks the error (401 by default; 500 to echo on a server error).
 */
export class EchoingUpstream {
  private readonly server: Server;
  status = 401;
  requests = 0;

  constructor() {
    this.server = createServer((req, res) => {
      this.requests += 1;
      req.resume();
      req.on('end', () => {
        const bearer = req.headers.authorization ?? '';
        const apiKey = String(req.headers['x-api-key'] ?? '');
        const anthropic = (req.url ?? '').endsWith('/messages') && apiKey !== '';
        const body = anthropic
          ? { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${apiKey}` } }
          : {
              error: {
                message: `Incorrect API key provided: ${bearer}. You can find your API key at https://platform.example/keys.`,
                type: 'invalid_request_error',
                param: null,
                code: 'invalid_api_key',
              },
            };
        res.writeHead(this.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
