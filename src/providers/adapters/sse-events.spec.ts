import { sseData, sseEvents } from './sdk-errors.js';

/** The pieces as a response body delivers them, one read each. */
async function* reads(...pieces: Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const piece of pieces) yield await Promise.resolve(piece);
}
const bytes = (...pieces: string[]) => reads(...pieces.map((p) => Buffer.from(p, 'utf8')));

async function all(body: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const event of sseEvents(body)) out.push(event);
  return out;
}

describe('server-sent events as the provider wrote them', () => {
  it('should split on blank lines wherever the bytes break, CRLF too, and keep a last unterminated event', async () => {
    const events = await all(
      bytes('data: {"a"', ':1}\n', '\ndata: {"b":2}\r\n\r\nevent: ping\ndata: {}\n\n', '\n\ndata: [DONE]'),
    );
    expect(events).toEqual(['data: {"a":1}', 'data: {"b":2}', 'event: ping\ndata: {}', 'data: [DONE]']);
  });

  it('should split a character cut between two reads correctly', async () => {
    const euro = Buffer.from('data: {"t":"€"}\n\n', 'utf8');
    expect(await all(reads(euro.subarray(0, 13), euro.subarray(13)))).toEqual(['data: {"t":"€"}']);
  });

  it('should read the data of an event, with or without its event line', () => {
    expect(sseData('event: message_delta\ndata: {"x":1}')).toBe('{"x":1}');
    expect(sseData('data:[DONE]')).toBe('[DONE]');
  });
});
