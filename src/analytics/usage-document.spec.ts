import { Types } from 'mongoose';
import type { CallUsage } from './call-usage.js';
import { usageDocument, wholeRecord } from './usage-document.js';

const at = new Date('2026-12-05T10:00:00Z');
const gatewayCall: CallUsage = {
  ownerId: 'owner-a',
  keyId: 'key-a',
  role: 'gateway',
  strategy: null,
  provider: 'openai',
  modelId: 'openai/gpt-5.4-mini',
  domain: null,
  usage: { inputTokens: 12, outputTokens: 24, cachedInputTokens: 0, reasoningTokens: 0 },
  costUsd: 0.00002,
  latencyMs: 3,
  ttftMs: 2,
  status: 'succeeded',
  errorClass: null,
  attempts: 1,
  failedAttempts: [],
  errorMessage: null,
  requestId: 'req-1',
  traceId: null,
};

describe('usage records as stored', () => {
  it('should leave out the fields that hold their default, and read them back whole', () => {
    const stored = usageDocument(gatewayCall, at);
    expect(Object.keys(stored).sort()).toEqual(
      [
        '_id',
        'at',
        'costUsd',
        'inputTokens',
        'keyId',
        'latencyMs',
        'modelId',
        'outputTokens',
        'ownerId',
        'provider',
        'requestId',
        'role',
        'status',
        'strategy',
        'ttftMs',
      ].sort(),
    );
    expect(wholeRecord(stored)).toEqual({
      _id: stored._id,
      ownerId: 'owner-a',
      keyId: 'key-a',
      sessionId: null,
      threadId: null,
      runId: null,
      stepId: null,
      role: 'gateway',
      strategy: 'none',
      provider: 'openai',
      modelId: 'openai/gpt-5.4-mini',
      domain: null,
      inputTokens: 12,
      outputTokens: 24,
      cachedInputTokens: 0,
      reasoningTokens: 0,
      costUsd: 0.00002,
      latencyMs: 3,
      ttftMs: 2,
      status: 'succeeded',
      errorClass: null,
      errorMessage: null,
      attempts: 1,
      failedAttempts: [],
      requestId: 'req-1',
      traceId: null,
      cacheHit: false,
      savedUsd: null,
      at,
    });
  });

  it('should keep every value that is not a default: a failed run step with its attempts and an unknown cost', () => {
    const runId = new Types.ObjectId().toHexString();
    const failed = {
      target: 'openai/gpt-5.4-mini',
      attempt: 1,
      errorClass: 'server_error',
      status: 500,
      message: 'boom',
    };
    const record = wholeRecord(
      usageDocument(
        {
          ...gatewayCall,
          keyId: null,
          runId,
          stepId: 'step-1',
          strategy: 'improve',
          domain: 'code',
          usage: null,
          costUsd: null,
          ttftMs: null,
          status: 'failed',
          errorClass: 'server_error',
          errorMessage: 'boom',
          attempts: 3,
          failedAttempts: [failed],
        },
        at,
      ),
    );
    expect(record).toMatchObject({
      keyId: null,
      runId: new Types.ObjectId(runId),
      stepId: 'step-1',
      strategy: 'improve',
      domain: 'code',
      inputTokens: 0,
      costUsd: null,
      ttftMs: null,
      status: 'failed',
      errorClass: 'server_error',
      errorMessage: 'boom',
      attempts: 3,
      failedAttempts: [failed],
    });
  });

  it('should read a record stored whole (before records were stored without defaults) as it is', () => {
    const whole = wholeRecord(usageDocument({ ...gatewayCall, cacheHit: true, savedUsd: 0.01 }, at));
    expect(wholeRecord(whole)).toEqual(whole);
    expect(whole).toMatchObject({ cacheHit: true, savedUsd: 0.01 });
  });
});
