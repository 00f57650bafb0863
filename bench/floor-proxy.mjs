// The least a Node gateway can do, as a floor for the gateway benchmark: node:http in and out over a
// keep-alive pool, the body parsed and its model swapped, the answer's usage parsed, nothing else
// (no auth, no limits, no recording, no retries): a floor for any Node gateway on the same machine.
// PORT and UPSTREAM (the simulator's /v1 URL) from the environment.
import http from 'node:http';

const upstream = new URL(`${process.env.UPSTREAM}/chat/completions`);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      body.model = body.model.replace(/^openai\//, '');
      const sent = JSON.stringify(body);
      const call = http.request(
        upstream,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(sent),
            authorization: 'Bearer simulator-key',
          },
        },
        (up) => {
          if (body.stream === true) {
            res.writeHead(up.statusCode, { 'content-type': 'text/event-stream' });
            up.pipe(res);
            return;
          }
          const parts = [];
          up.on('data', (part) => parts.push(part));
          up.on('end', () => {
            const bytes = Buffer.concat(parts);
            void JSON.parse(bytes.toString()).usage;
            answer(res, up.statusCode, bytes);
          });
        },
      );
      call.on('error', (error) => answer(res, 502, Buffer.from(JSON.stringify({ error: { message: error.message } }))));
      call.end(sent);
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
