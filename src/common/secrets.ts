/**
 * Secrets this process holds (provider keys, the admin key) and the shapes of credentials in
 * general, taken out of any text that may reach a client, an event, a stored step or a log: an
 * upstream that echoes the credential it was sent (several do, in their 401 messages) must not
 * hand a provider key to a user.
 */
const known = new Set<string>();
/** Shorter values are not secrets worth the false matches (and cannot be a provider key). */
const MIN_SECRET_CHARS = 8;

/** Bearer and Basic credentials, and the prefixes providers give their keys. */
const CREDENTIAL_SHAPES: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  /\b(sk|rk|pk)-(ant-|proj-|or-)?[A-Za-z0-9_-]{8,}/g,
  /\bxai-[A-Za-z0-9_-]{8,}/g,
  /\borx_[A-Za-z0-9_-]{8,}/g,
  /\b(api[_-]?key|x-api-key|access[_-]?token)(["']?\s*[:=]\s*["']?)[^\s"',;&}]{6,}/gi,
];

export const REDACTED = '[redacted]';

/** Adds values to take out of every text redacted from now on (empty and short values are ignored). */
export function registerSecrets(values: Iterable<string | null | undefined>): void {
  for (const value of values) if (typeof value === 'string' && value.length >= MIN_SECRET_CHARS) known.add(value);
}

/** The text without any registered secret or anything shaped like a credential. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const shape of CREDENTIAL_SHAPES) {
    out = out.replace(shape, (match: string, first?: string, second?: string) => {
      if (/^(Bearer|Basic)$/i.test(first ?? '')) return `${first} ${REDACTED}`;
      if (second !== undefined && /[:=]/.test(second)) return `${first}${second}${REDACTED}`;
      return REDACTED;
    });
  }
  return out;
}
