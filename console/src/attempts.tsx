import type { FailedAttempt, RequestRecord } from './types.js';

/** What each error class means, said to a person. */
const ERROR_WORDS: Record<string, string> = {
  rate_limited: 'the provider refused: too many requests',
  timeout: 'no answer in time',
  upstream_5xx: 'the provider failed on its side',
  auth: 'the provider refused the credentials',
  bad_request: 'the provider refused the request as malformed',
  not_found: 'the provider does not know this model',
  network: 'the provider could not be reached',
  malformed: 'the provider answered something unreadable',
  cancelled: 'cancelled',
  cooling_down: 'skipped: the model is cooling down after repeated failures',
  key_limit: "refused by the API key's own limits before any call",
  invalid_evaluation: 'the evaluation could not be read',
  unknown: 'an unexpected error',
};

export const errorInWords = (errorClass: string): string => ERROR_WORDS[errorClass] ?? errorClass.replace(/_/g, ' ');

/** A failed attempt in words: which model, which try, what went wrong. */
export const attemptInWords = (a: FailedAttempt): string =>
  `Attempt ${a.attempt} at ${a.target}: ${errorInWords(a.errorClass)}${a.status === null ? '' : ` (HTTP ${a.status})`} — ${a.message}`;

/** One call's attempts: each failed one in words, then how the call ended. */
export function AttemptTrail({ call }: { call: RequestRecord }) {
  return (
    <div class="attempt-trail" data-attempts={call.attempts}>
      <p>
        {call.attempts} attempt{call.attempts === 1 ? '' : 's'}
        {call.failedAttempts.length > 0 && `, ${call.failedAttempts.length} failed`}
        {call.status === 'succeeded' ? ', then an answer' : ''}
      </p>
      {call.failedAttempts.length > 0 && (
        <ol class="attempts">
          {call.failedAttempts.map((a, i) => (
            <li key={i} data-error-class={a.errorClass}>
              {attemptInWords(a)}
            </li>
          ))}
        </ol>
      )}
      {call.status === 'failed' && call.errorClass !== null && (
        <p class="error">
          The call failed: {errorInWords(call.errorClass)}
          {call.errorMessage ? ` — ${call.errorMessage}` : ''}
        </p>
      )}
    </div>
  );
}
