#!/usr/bin/env bash
# make test-pg PG=13|17|18: the server tests and the pg_regress suite (with the external
# tests) against another PostgreSQL major version, from Debian's archive: bullseye has
# 13, trixie 17, sid 18. A chroot of that release is built with debootstrap (cached under
# /var/cache/database_advisor, reused when present); the checkout, the Rust toolchain and
# cargo-pgrx are bind-mounted into it (bullseye builds its own cargo-pgrx, see below), and
# the extension is built and tested inside, against that version's headers and server.
# Formatting, clippy and the unit tests do not depend on the version: `make test` runs
# them. TEST_PG_COMMAND runs another command in the chroot instead (e.g.
# TEST_PG_COMMAND=bash for a shell there).
source "$(dirname "$0")/common.sh"
PG="${PG:?set PG, e.g. make test-pg PG=18}"
# bullseye's glibc (2.31) is older than the one the host's cargo-pgrx was built against:
# there, setup.sh builds cargo-pgrx once into the chroot's own /opt/cargo-pgrx (cached
# with the chroot, rebuilt only for another pgrx version), found before the host's
pgrx_root=""
case "$PG" in
    13) suite=bullseye pgrx_root=/opt/cargo-pgrx ;;
    17) suite=trixie ;;
    18) suite=sid ;;
    15) exec "$ROOT/scripts/test.sh" ;;
    *) echo "PostgreSQL $PG: not packaged by a Debian release this project tests (13, 15, 17, 18)" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "test-pg builds and enters a chroot: run it as root" >&2; exit 1; }
root="${DA_CHROOT_BASE:-/var/cache/database_advisor}/chroot-$suite"
if [ ! -x "$root/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || \
        env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    say "debootstrap $suite into $root (once; a few minutes)"
    rm -rf "$root" && mkdir -p "$root"
    debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" \
        http://deb.debian.org/debian > "$root.log" 2>&1 || { tail -20 "$root.log"; exit 1; }
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/hosts "$root/etc/hosts"
# the chroot trusts the certificate authorities the host added (a proxy's, say), so npm
# and other HTTPS clients work there as they do here
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
fi
# packages installed in the chroot start no services and create no default cluster
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
# a testing release's index expires within days; a machine whose clock runs ahead of the
# mirror (or a cached chroot) must still install from it
echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/99database-advisor"
mkdir -p "$root/etc/postgresql-common"
echo "create_main_cluster = false" > "$root/etc/postgresql-common/createcluster.conf"

# what the chroot shares with the host: kernel filesystems, the checkout, the toolchain
mounts=()
bind() {
    mkdir -p "$root$2"
    mountpoint -q "$root$2" || mount --bind "$1" "$root$2"
    mounts=("$root$2" "${mounts[@]}")
}
cleanup() { for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done; }
trap cleanup EXIT
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mounts=("$root/proc")
bind /dev /dev
bind /dev/pts /dev/pts
bind /sys /sys
bind "$ROOT" "$ROOT"
bind "$HOME/.cargo" /root/.cargo
bind "$HOME/.rustup" /root/.rustup

say "PostgreSQL $PG in the $suite chroot"
# inside: its own pgrx configuration, target directory and clusters
chroot "$root" /usr/bin/env -i HOME=/root PATH=/root/.cargo/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    TERM="${TERM:-dumb}" PG_MAJOR="$PG" CARGO_TARGET_DIR="$ROOT/target/pg$PG" \
    ${pgrx_root:+CARGO_INSTALL_ROOT="$pgrx_root"} \
    DA_CLUSTER_BASE=/tmp/database_advisor \
    bash -c "cd '$ROOT' && ${TEST_PG_COMMAND:-scripts/test.sh --server-only}"
