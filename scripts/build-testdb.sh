#!/usr/bin/env bash
# Builds the test MongoDB server (FerretDB v1.24.1, SQLite backend) from the Go module proxy into
# .cache/ferretdb-test, once: it is rebuilt only when its sources change. Versions are pinned in
# test/support/ferretdb/go.mod and go.sum.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/test/support/ferretdb"
out="$root/.cache/ferretdb-test"
stamp="$root/.cache/ferretdb-test.sha256"
sum="$(cat "$0" "$src/tools.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -d' ' -f1)"
if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
  echo "build-testdb: $out is up to date" >&2
  exit 0
fi
command -v go >/dev/null || { echo "build-testdb: Go is not installed; the MongoDB-side tests will skip (set ATLASCTL_TEST_MONGODB_URI to use another server)" >&2; exit 1; }
echo "build-testdb: building FerretDB v1.24.1 (a minute or two, once)…" >&2
# FerretDB's command panics without build/version/version.txt, which its module zip lacks (FerretDB
# issue #2982) and which cannot be overlaid inside the module cache: so build from a vendored copy
# that has it. go.sum pins every module; the checksum database is not needed (and may be unreachable).
work="$root/.cache/ferretdb-build"
rm -rf "$work" && mkdir -p "$work"
cp "$src/tools.go" "$src/go.mod" "$src/go.sum" "$work/"
(cd "$work" && GOSUMDB=off GOFLAGS=-mod=mod go mod vendor)
echo v1.24.1 > "$work/vendor/github.com/FerretDB/FerretDB/build/version/version.txt"
(cd "$work" && CGO_ENABLED=0 go build -mod=vendor -trimpath -o "$out" github.com/FerretDB/FerretDB/cmd/ferretdb)
rm -rf "$work"
echo "$sum" > "$stamp"
echo "build-testdb: built $out" >&2
