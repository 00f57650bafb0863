#!/usr/bin/env bash
# Schemathesis (PyPI) against the committed OpenAPI document, every check, once with a user key and
# once with an admin key, on the server built from this checkout: the offline demo (simulator and
# server, embedded FerretDB in a temporary folder) on free ports. Fails on any finding. It tests the
# /api and /health routes: /v1 and /metrics are in the document for readers, and the gateway specs
# hold /v1's answers to OpenAI's own published schemas.
# Usage: bash scripts/schemathesis.sh [extra schemathesis options]
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
VENV=.cache/schemathesis
if [ ! -x "$VENV/bin/st" ] || ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "Installing schemathesis $VERSION into $VENV…"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$VERSION"
fi
npx nest build && npx tsc -p tsconfig.tools.json # the server under test is this checkout's code, and the simulator

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
PORT=$(free_port)
SIM_PORT=$(free_port)
DATA=$(mktemp -d)
ADMIN="orx_schemathesis_admin_$(node -e "console.log(require('crypto').randomBytes(12).toString('hex'))")"
LOG="$DATA/server.log"

# Failed authentications are not throttled here: the checks that send no key or a wrong one would
# otherwise lock the address out and turn every later answer into a 429.
PORT=$PORT SIM_PORT=$SIM_PORT DATA_DIR="$DATA/db" ADMIN_API_KEY="$ADMIN" LOG_LEVEL=warn \
  SIM_TTFT_MS=0 SIM_TOKEN_MS=0 AUTH_FAILURE_LIMIT=1000000 MAX_RUNS_PER_KEY=1000 \
  node dist-tools/simulator/demo.js >"$LOG" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT

BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 300); do
  curl -fsS "$BASE/health/ready" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$LOG"; echo "the server did not start" >&2; exit 1; }
  sleep 0.2
done
USER_KEY=$(curl -fsS -X POST "$BASE/api/keys" -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"name":"schemathesis user","role":"user"}' | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).key))")

status=0
for who in user admin; do
  key=$USER_KEY
  [ "$who" = admin ] && key=$ADMIN
  echo "== schemathesis with the $who key =="
  SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH=scripts "$VENV/bin/st" run docs/openapi.json --url "$BASE" -H "Authorization: Bearer $key" \
    --checks all --no-color --seed 1 --exclude-path-regex "^/(v1/|metrics)" "$@" >"$DATA/st.out" 2>&1 || status=1
  # Its "=== … in 116.78s ===" banners read as a pytest run that executed no test: print them as
  # plain headings, so the only closing count line of CI stays Jest's.
  sed -E -e 's/^=+ (.*[^ =]) =+$/-- \1 --/' -e 's/^-- (.*) in ([0-9.]+s) --$/-- schemathesis: \1 (\2) --/' "$DATA/st.out"
done
if [ "$status" -ne 0 ]; then
  echo "schemathesis found problems; the server's log is below" >&2
  tail -50 "$LOG" >&2
fi
exit $status
