# Shared settings for the scripts (sourced, not run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The PostgreSQL to build and test for: the host's 15, or another one inside a chroot
# (scripts/test-pg.sh sets PG_MAJOR there).
PG_MAJOR="${PG_MAJOR:-15}"
if [ "$PG_MAJOR" = 15 ]; then
    PG_CONFIG="${PG_CONFIG:-/usr/bin/pg_config}"
else
    PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}"
fi
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
# cargo install puts cargo-pgrx there when set (scripts/test-pg.sh, for an older glibc)
[ -z "${CARGO_INSTALL_ROOT:-}" ] || PATH="$CARGO_INSTALL_ROOT/bin:$PATH"
unset RUST_BACKTRACE
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
