#!/usr/bin/env bash
# Builds the test MongoDB server (FerretDB v1.24.1, SQLite backend) from the Go module proxy into
# .cache/ferretdb-test, once: it is rebuilt only when its sources change. Versions are pinned in
# test/support/ferretdb/go.mod and go.sum.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/test/support/ferretdb"
out="$root/.cache/ferretdb-test"
stamp="$root/.cache/ferretdb-test.sha256"
sum="$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -d' ' -f1)"
if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
  echo "build-testdb: $out is up to date" >&2
  exit 0
fi
command -v go >/dev/null || { echo "build-testdb: Go is not installed; the MongoDB-side tests will skip (set ATLASCTL_TEST_MONGODB_URI to use another server)" >&2; exit 1; }
mkdir -p "$root/.cache"
echo "build-testdb: building FerretDB v1.24.1 (a minute or two, once)…" >&2
# go.sum pins every module; the checksum database is not needed (and may be unreachable).
(cd "$src" && GOFLAGS=-mod=mod GOSUMDB=off CGO_ENABLED=0 go build -trimpath -o "$out" .)
echo "$sum" > "$stamp"
echo "build-testdb: built $out" >&2
