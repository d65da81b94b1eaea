#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for the demo and the regression tests.
#   cluster.sh start NAME [CRON_DB]   start (creating it if needed); prints nothing else
#   cluster.sh stop NAME              stop it (keeps the data)
#   cluster.sh port NAME | dir NAME   where to connect: psql -h DIR -p PORT -U postgres
# Runs as the postgres OS user when invoked as root. Listens on the Unix socket in DIR and
# on 127.0.0.1 at the first free port from 54330 (kept across restarts).
source "$(dirname "$0")/common.sh"

cmd="${1:?usage: cluster.sh start|stop|port|dir NAME}"
name="${2:?cluster name}"
cron_db="${3:-postgres}"
dir="$CLUSTER_BASE/$name"
data="$dir/data"
bindir="$("$PG_CONFIG" --bindir)"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() { [ -f "$data/PG_VERSION" ] && "${AS_PG[@]}" "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

case "$cmd" in
start)
    if running; then exit 0; fi
    mkdir -p "$dir"
    chmod 755 "$CLUSTER_BASE" 2>/dev/null || true
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    if [ ! -f "$data/PG_VERSION" ]; then
        "${AS_PG[@]}" "$bindir/initdb" -D "$data" -A trust -U postgres --no-locale \
            --encoding UTF8 >"$dir/initdb.log"
        "${AS_PG[@]}" tee -a "$data/postgresql.conf" >/dev/null <<CONF
# added by database_advisor's scripts/cluster.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_stat_statements,pg_cron'
cron.database_name = '$cron_db'
cron.use_background_workers = on
max_worker_processes = 16
pg_stat_statements.track = all
fsync = off
CONF
    fi
    port="$(cat "$dir/port" 2>/dev/null || echo 54330)"
    while ! port_free "$port"; do port=$((port + 1)); done
    echo "$port" | "${AS_PG[@]}" tee "$dir/port" >/dev/null
    # DA_SERVER_ENV: extra environment for the server (the regress suite sets RUST_BACKTRACE
    # to prove that no Rust backtrace reaches a client even then)
    # shellcheck disable=SC2086
    "${AS_PG[@]}" ${DA_SERVER_ENV:-} "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -o "-p $port" -w start >/dev/null
    ;;
stop)
    if running; then "${AS_PG[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
    ;;
port) cat "$dir/port" ;;
dir) echo "$dir" ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
