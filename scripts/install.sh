#!/usr/bin/env bash
# Builds the extension and installs it into the system PostgreSQL.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
sudo_flag=()
[ -n "$SUDO" ] && sudo_flag=(--sudo)
say "building and installing database_advisor"
cargo pgrx install --pg-config "$PG_CONFIG" "${sudo_flag[@]}" "$@"
test -f "$("$PG_CONFIG" --sharedir)/extension/database_advisor.control"
