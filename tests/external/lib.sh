# Shared by the external tests (sourced): the running regress cluster to connect to, as
# the superuser, and how a test reports.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
dir="$("$ROOT/scripts/cluster.sh" dir regress)"
port="$("$ROOT/scripts/cluster.sh" port regress)"
export PGHOST="$dir" PGPORT="$port" PGUSER=postgres PGOPTIONS="-c client_min_messages=warning"
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
