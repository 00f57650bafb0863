/** The provider of a catalogue model id (`openai/gpt-5.4-mini` → `openai`). */
export function providerOf(modelId: string): string {
  return modelId.split('/')[0];
}
