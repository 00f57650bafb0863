/**
 * What each operation's `description` says beyond its summary (the controller's doc comment):
 * who may call it, how it pages, what it changes, what to expect. Keyed by operation id; a test
 * holds every operation of the document to having one.
 */
export const OPERATION_NOTES: Record<string, { summary?: string; description: string }> = {
  Analytics_costs: {
    description:
      'Any key: a user key sees its owner’s calls, an admin key everyone’s (or one owner’s with `ownerId`). `from` and `to` are UTC days (default: the last 30). Costs are summed from the daily rollups, priced from the catalogue when each call was made; `byKey` gives each API key’s spend.',
  },
  Analytics_models: {
    description:
      'Ranks models by the mean score their answers received from other models (simulated evaluations are left out), with answers, final answers, times chosen first, mean improvement, success rate, p50 latency and cost. Model selection blends these observations into its priors.',
  },
  Analytics_orchestration: {
    description:
      'One row per strategy over the range. `thresholdMetRate` counts only runs of strategies that loop to a threshold (improve, cascade).',
  },
  Analytics_session: {
    description:
      'Calls, tokens and cost of one session of the key’s owner (an admin key: any session); 404 for a session the key may not see.',
  },
  Analytics_usage: {
    description:
      'Grouped by `groupBy`: day (default), provider, model, session, strategy or key. Percentiles are read from histogram buckets (within one bucket of the true value).',
  },
  Analytics_tools: {
    description:
      'Any key (a user key: its owner’s tool calls; an admin key everyone’s, or one owner’s with `ownerId`). One row per MCP tool (`server/tool`), from runs’ tool loops and /v1/responses’ mcp tools: calls, errors by class, durations (percentiles from histogram buckets).',
  },
  Audit_list: {
    description: 'Admin keys only. Paged with `cursor`; filter by `action` and a range of moments.',
  },
  ApiKeys_list: {
    description: 'Admin keys only. Paged with `limit` and `cursor` (the `nextCursor` of the page before).',
  },
  ApiKeys_create: {
    description:
      'Admin keys only. `role` user (default) or admin; `ownerId` groups keys whose data is shared (default: the key’s own id); `limits` hold the key to models, USD per day, month or in total, requests and tokens per minute. Only a hash of the key is stored: it cannot be shown again. Recorded in the audit trail.',
  },
  ApiKeys_revoke: {
    description:
      'Admin keys only. Its sockets and streams are cut at once, on every instance. Recorded in the audit trail.',
  },
  ApiKeys_get: { description: 'Admin keys only. `spend` is what the key’s limits count.' },
  ApiKeys_update: {
    description:
      'Admin keys only. Held from the key’s next request, on every instance. Recorded in the audit trail with the fields before and after.',
  },
  Mcp_create: {
    description:
      'Admin keys only. A server reached over Streamable HTTP; a server that runs as a local command comes only from MCP_SERVERS_FILE (an API call never starts a process). `headers` name the environment variables that hold their values, which are never sent or stored. 409 when the id is taken. Recorded in the audit trail.',
  },
  Mcp_list: {
    description:
      'Admin keys only. MCP_SERVERS_FILE’s servers first, then the added ones, each with its health in this process (`idle` until first used: servers connect when a run or a listing needs them).',
  },
  Mcp_get: {
    description:
      'Admin keys only. Lists the tools again now; a server that cannot be reached shows none, and its health says why.',
  },
  Mcp_tools: {
    description:
      'Admin keys only. The tools as the server lists them now (their names are what runs and key limits use as `server/tool`); 503 naming the error when the server cannot be reached.',
  },
  Mcp_test: {
    description:
      'Admin keys only. Drops this process’s connection, connects again and lists the tools: `ok`, the time it took and the tool count, or the error (an answer, not a failure). 409 for a disabled server.',
  },
  Mcp_update: {
    description:
      'Admin keys only. Added servers only (409 for MCP_SERVERS_FILE’s: change them there). `enabled: false` refuses runs that name it. Recorded in the audit trail.',
  },
  Mcp_delete: {
    description:
      'Admin keys only. Added servers only (409 for MCP_SERVERS_FILE’s). Runs that name it are refused from then on; a run going keeps what it listed. Recorded in the audit trail.',
  },
  Me_current: { description: 'Any key, ADMIN_API_KEY included (its id is `env:ADMIN_API_KEY`).' },
  Models_list: {
    description:
      'Any key. Each model with its provider, prices (USD per million tokens, and where they came from), context window, roles, capabilities, strengths per domain, availability (its provider configured, not disabled, not cooling down) and circuit state.',
  },
  Models_get: {
    summary: 'One catalogue model.',
    description: 'Any key. The id is `provider/model`, its slash as it is or as `%2F`.',
  },
  Models_update: { description: 'Admin keys only. Recorded in the audit trail with the fields before and after.' },
  Models_test: {
    description:
      'Admin keys only. Goes through the same resilience layer as runs (retries, cooldowns) and is recorded in the request log as role `test`, priced like any call.',
  },
  ModelAliases_list: {
    description:
      'Any key. Aliases are read by the /v1 gateway before the catalogue: a client may send `fast` for `openai/gpt-5.4-mini`.',
  },
  ModelAliases_set: {
    description:
      'Admin keys only. The target must be a catalogue id or `orchestratex/<strategy>` (404 otherwise); the key’s model limits apply to the target. Each process reads the aliases again within 5 s. Recorded in the audit trail.',
  },
  ModelAliases_remove: { description: 'Admin keys only. Recorded in the audit trail.' },
  Orchestration_start: {
    description:
      'Any key. Without `threadId` a thread is made, titled by the prompt. Options left out come from the session’s settings, then the defaults; an option of another strategy is a 400 naming it. With `Accept: text/event-stream` the run’s events stream as SSE until it ends. Refused with 429 beyond MAX_RUNS_PER_KEY runs of the key at once or MAX_INFLIGHT_CALLS calls in flight, with 403 or 429 by the key’s own limits. `Idempotency-Key` makes a retry return the first run.',
  },
  Orchestration_list: {
    description: 'Filter by session, thread, status or strategy; paged with `limit` and `cursor`.',
  },
  Orchestration_get: {
    description:
      'A run of the key’s owner (404 otherwise). Each step keeps the prompt it was given (id, version, messages), its evaluation (scores, strengths, weaknesses, suggestions) and its attempts.',
  },
  Orchestration_cancel: {
    description: 'The upstream requests are closed; the run ends with status `cancelled` and what it spent so far.',
  },
  Orchestration_events: {
    description:
      'Events are `{ type, runId, seq, at, data }`, numbered 1, 2, 3… without gaps. `after` is the last seq already seen (0: from the start), so a client that lost its connection asks for exactly what it missed.',
  },
  Orchestration_strategies: {
    description:
      'What a form or a client needs to build a run: each strategy’s summary, team roles, least number of models, its own options and the common ones it reads, with types, defaults and limits.',
  },
  Providers_list: {
    description:
      'Any key. A provider is configured when its key (or, for Ollama, its URL) is set; keys are never shown.',
  },
  Requests_list: {
    description:
      'The request log: one record per model call (runs, `/v1`, model tests), with its attempts (each failed one’s model, error class, HTTP status and message), timings, tokens and cost. Filter by key, owner, model, provider, status, error class, run, and a range of moments; paged with `cursor`.',
  },
  Requests_get: { description: 'A call of the key’s owner (an admin key: any call); 404 otherwise.' },
  Sessions_list: { description: 'The key owner’s sessions; filter by `status`; paged with `limit` and `cursor`.' },
  Sessions_create: {
    description:
      'The settings (iteration cap, quality threshold, cost limit, preferred and excluded models, default strategy) are what runs in the session use when a request leaves them out. `Idempotency-Key` makes a retry return the first session.',
  },
  Sessions_get: {
    summary: 'One session.',
    description: 'A session of the key’s owner, with its settings and total cost (the sum of its runs); 404 otherwise.',
  },
  Sessions_update: {
    description:
      'A session of the key’s owner; `settings` are merged (a field left out keeps its value). 404 otherwise.',
  },
  Sessions_end: {
    description: '`status` completed (default) or terminated. Ending an ended session is a 409. Runs going on finish.',
  },
  Threads_list: { description: 'Paged with `limit` and `cursor`.' },
  Threads_create: {
    description: '409 when the session has ended. `Idempotency-Key` makes a retry return the first thread.',
  },
  Threads_delete: { description: 'A thread of the key’s owner, and its messages; 404 otherwise.' },
  Threads_get: {
    summary: 'One thread.',
    description: 'A thread of the key’s owner, with its message count and last activity; 404 otherwise.',
  },
  Threads_update: {
    summary: 'Changes a thread’s title or domain.',
    description: 'A thread of the key’s owner; at least one field; 404 otherwise.',
  },
  Messages_list: {
    description:
      'A message answering an earlier one starts a branch; `branch` (a message id) gives the path from the first message down to it. Paged with `limit` and `cursor`.',
  },
  Messages_post: {
    description:
      '`parentId` is the message this one follows; left out, the thread’s latest message; another parent starts a branch. 409 when the session has ended; 413 beyond MESSAGE_MAX_CHARS. `Idempotency-Key` makes a retry return the first message.',
  },
  Health_live: { description: 'No key needed. 200 while the process runs, for a liveness probe.' },
  Health_ready: {
    description:
      'No key needed. 503 while the database does not answer, for a readiness probe (no traffic until it does).',
  },
};
