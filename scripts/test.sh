#!/usr/bin/env bash
# make test: install what is missing, then every check CI runs, in order of speed.
# --server-only: the server, pg_regress, external and package tests alone (what
# scripts/test-pg.sh runs for another PostgreSQL version inside its chroot).
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"

if [ "${1:-}" != --server-only ]; then
    say "cargo fmt --check"
    cargo fmt --all --check
    say "cargo clippy -D warnings"
    cargo clippy --workspace --all-targets -- -D warnings
    say "cargo test (pure logic, no server)"
    cargo test -p database_advisor_core
fi

say "cargo pgrx test pg$PG_MAJOR (server tests)"
if [ "$(id -u)" -eq 0 ]; then
    pgdata="$CLUSTER_BASE/pgrx-test"
    mkdir -p "$pgdata" && chown postgres "$pgdata"
    cargo pgrx test "pg$PG_MAJOR" --runas postgres --pgdata "$pgdata"
else
    cargo pgrx test "pg$PG_MAJOR"
fi

"$ROOT/scripts/regress.sh"
say "the .deb of make package (PostgreSQL $PG_MAJOR)"
"$ROOT/tests/external/package.sh"
say "all tests passed (PostgreSQL $PG_MAJOR)"

# the newest PostgreSQL too, in its chroot (scripts/test-pg.sh)
if [ "${1:-}" != --server-only ]; then
    if [ "$(id -u)" -ne 0 ]; then
        say "PostgreSQL 18 NOT tested: scripts/test-pg.sh needs root for its chroot"
        exit 1
    fi
    PG=18 "$ROOT/scripts/test-pg.sh"
    say "all tests passed (PostgreSQL 15 and 18)"
fi
