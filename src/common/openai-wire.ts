/**
 * An OpenAI Chat Completions answer given whole (`object: "chat.completion"`, one choice), as the
 * gateway, the upstream simulator and the local model send it.
 */
export function chatCompletionBody(
  id: string,
  model: string,
  content: string | null,
  finish: string,
  usage?: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    id,
    object: 'chat.completion' as const,
    created: Math.floor(Date.now() / 1000),
    model,
    ...extra,
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finish },
    ],
    ...(usage === undefined ? {} : { usage }),
  };
}
