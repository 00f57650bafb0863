#!/usr/bin/env bash
# Jaeger v2 (an OpenTelemetry trace backend with an OTLP receiver and a query API), for the tracing
# specs: built once from the Go module proxy (tools/jaeger pins it) into .cache/jaeger/.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=$(awk '/github.com\/jaegertracing\/jaeger /{print $2; exit}' tools/jaeger/go.mod)
BINARY=".cache/jaeger/jaeger-${VERSION}"
[ -x "$BINARY" ] && exit 0
echo "Building Jaeger ${VERSION} into ${BINARY} (once; a few minutes)…"
mkdir -p .cache/jaeger
(cd tools/jaeger && go build -trimpath -o "../../${BINARY}.tmp" github.com/jaegertracing/jaeger/cmd/jaeger)
mv "${BINARY}.tmp" "$BINARY"
