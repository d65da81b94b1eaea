#!/usr/bin/env bash
# Builds the extension and installs it into the system PostgreSQL: the release build, the
# one users get (DA_DEBUG_BUILD=1 installs the unoptimised one, for a quicker edit loop).
source "$(dirname "$0")/common.sh"
cd "$ROOT"
sudo_flag=()
[ -n "$SUDO" ] && sudo_flag=(--sudo)
profile=(--release)
[ "${DA_DEBUG_BUILD:-}" = 1 ] && profile=()
say "building and installing database_advisor (${profile[*]:-debug})"
cargo pgrx install --pg-config "$PG_CONFIG" "${sudo_flag[@]}" "${profile[@]}" "$@"
# the released install scripts and the upgrade scripts (sql/, see CONTRIBUTING.md)
$SUDO install -m 644 "$ROOT"/sql/database_advisor--*.sql "$("$PG_CONFIG" --sharedir)/extension/"
test -f "$("$PG_CONFIG" --sharedir)/extension/database_advisor.control"
