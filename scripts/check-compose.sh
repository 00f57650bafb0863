#!/usr/bin/env bash
# Checks docker/compose.yaml with no container engine: compose-go, the loader Docker Compose itself
# uses (the Compose specification's schema, interpolation, anchors), built once from the Go module
# proxy (tools/compose-check pins it) into .cache/compose-check/, plus our rules (health checks,
# one build per image). Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=$(grep -o 'compose-go/v2 v[0-9.]*' tools/compose-check/go.mod | head -1 | cut -d' ' -f2)
SOURCE_SUM=$(cat tools/compose-check/main.go tools/compose-check/go.sum | sha256sum | cut -c1-12)
BINARY=".cache/compose-check/compose-check-${VERSION}-${SOURCE_SUM}"
if [ ! -x "$BINARY" ]; then
  echo "Building the Compose file checker (compose-go ${VERSION}) into ${BINARY}…"
  mkdir -p .cache/compose-check
  (cd tools/compose-check && go build -trimpath -o "../../${BINARY}.tmp" .)
  mv "${BINARY}.tmp" "$BINARY"
fi
"$BINARY" docker/compose.yaml
