#!/usr/bin/env bash
# Installs only what is missing: Debian packages, cargo-pgrx (the exact pgrx version of
# Cargo.toml) and pgrx's configuration for the system PostgreSQL. Safe to run again.
source "$(dirname "$0")/common.sh"

packages=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-$PG_MAJOR-cron
          postgresql-contrib clang libclang-dev sudo pkg-config libssl-dev build-essential
          chromium)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# the external tests fetch the SARIF validator, TypeScript and Mermaid with npm (and
# render in Chromium)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
        echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1
    fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

for component in rustfmt clippy; do
    cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1 || rustup component add "$component"
done

have="$(cargo pgrx --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have" != "$PGRX_VERSION" ]; then
    say "installing cargo-pgrx $PGRX_VERSION (found '${have:-none}'; takes ~10 minutes)"
    cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
fi

pgrx_config="${PGRX_HOME:-$HOME/.pgrx}/config.toml"
if ! grep -qs "^pg$PG_MAJOR = \"$PG_CONFIG\"" "$pgrx_config"; then
    say "cargo pgrx init --pg$PG_MAJOR $PG_CONFIG"
    cargo pgrx init --pg$PG_MAJOR "$PG_CONFIG"
fi
