/**
 * A response stored earlier, sent again as it was (an idempotent retry). Thrown by the idempotency
 * interceptor and sent by the global exception filter, which can answer any route alike.
 */
export class StoredResponse extends Error {
  override name = 'StoredResponse';

  constructor(
    readonly status: number,
    readonly contentType: string,
    readonly body: string,
  ) {
    super('stored response');
  }
}
