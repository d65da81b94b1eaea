# Shared settings for the scripts (sourced, not run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_MAJOR=15
PG_CONFIG="${PG_CONFIG:-/usr/bin/pg_config}"
PGRX_VERSION="$(sed -n 's/^pgrx = "=\([0-9.]*\)"/\1/p' "$ROOT/Cargo.toml")"
# Throwaway clusters live outside the checkout so the postgres OS user can reach them.
CLUSTER_BASE="${DA_CLUSTER_BASE:-/tmp/database_advisor}"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
    AS_PG=(sudo -u postgres env -u RUST_BACKTRACE)   # PostgreSQL refuses to run as root
else
    SUDO="sudo"
    AS_PG=(env -u RUST_BACKTRACE)
fi
export PATH="$HOME/.cargo/bin:$PATH"
unset RUST_BACKTRACE
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
