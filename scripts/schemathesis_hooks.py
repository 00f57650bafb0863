"""Schemathesis hooks for OrchestrateX (loaded through SCHEMATHESIS_HOOKS by scripts/schemathesis.sh).

An Idempotency-Key names one request: a client never sends the same key with another body. The
generated cases would (the generator repeats short strings such as "0"), and the server then
answers 422 as it must. Each generated key is made unique, as a real client's is.
"""
import uuid

import schemathesis


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"st-{uuid.uuid4()}"
