//go:build tools

// Package ferretdb pins FerretDB v1's own command for atlasctl's tests. scripts/build-testdb.sh builds
// github.com/FerretDB/FerretDB/cmd/ferretdb from a vendored copy: only that command has the experimental
// SCRAM authentication (--test-enable-new-auth) that the embeddable package does not expose.
package ferretdb

import _ "github.com/FerretDB/FerretDB/cmd/ferretdb"
