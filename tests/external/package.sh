#!/usr/bin/env bash
# The .deb of `make package`: apt installs it, a fresh cluster creates the extension from
# the installed files (and upgrades 0.1.0 from them), apt removes it and leaves none of its
# files behind. Then the development install is put back. Called by scripts/test.sh.
source "$(dirname "$0")/../../scripts/common.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
"$ROOT/scripts/package.sh"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)"
deb="$(ls "$ROOT"/target/packages/database-advisor_"${version}"_pg"${PG_MAJOR}"_*.deb)"
pkg="postgresql-$PG_MAJOR-database-advisor"
ext_dir="$("$PG_CONFIG" --sharedir)/extension"
lib="$("$PG_CONFIG" --pkglibdir)/database_advisor.so"

# files of a make install are nobody's: remove them so the package alone provides them
$SUDO rm -f "$ext_dir"/database_advisor* "$lib"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
dpkg -s "$pkg" | grep -q "Status: install ok installed" || fail "$pkg installed"
for f in "$ext_dir/database_advisor.control" "$ext_dir/database_advisor--$version.sql" \
         "$ext_dir/database_advisor--0.1.0.sql" "$ext_dir/database_advisor--0.1.0--$version.sql" "$lib"; do
    dpkg -S "$f" >/dev/null 2>&1 || fail "$f belongs to the package"
done
pass "apt installed $(basename "$deb") ($(dpkg -L "$pkg" | grep -c database_advisor) files)"

"$ROOT/scripts/cluster.sh" stop package
rm -rf "$CLUSTER_BASE/package"
"$ROOT/scripts/cluster.sh" start package pkg
dir="$("$ROOT/scripts/cluster.sh" dir package)"
port="$("$ROOT/scripts/cluster.sh" port package)"
q() { psql -X -q -v ON_ERROR_STOP=1 -At -h "$dir" -p "$port" -U postgres -d "$1" -c "$2"; }
q postgres "CREATE DATABASE pkg_fresh" && q postgres "CREATE DATABASE pkg_old"
q pkg_fresh "CREATE EXTENSION database_advisor; CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p int REFERENCES p)"
[ "$(q pkg_fresh "SELECT count(*) FROM advisor_missing_fk_indexes")" = 1 ] || fail "the packaged extension works"
q pkg_old "CREATE EXTENSION database_advisor VERSION '0.1.0'; ALTER EXTENSION database_advisor UPDATE"
[ "$(q pkg_old "SELECT extversion FROM pg_extension WHERE extname = 'database_advisor'")" = "$version" ] \
    || fail "0.1.0 upgrades from the packaged scripts"
pass "CREATE EXTENSION from the package, and 0.1.0 upgraded to $version"
"$ROOT/scripts/cluster.sh" stop package

$SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$pkg" >/dev/null
! dpkg -s "$pkg" 2>/dev/null | grep -q "Status: install ok installed" || fail "$pkg removed"
left="$(ls "$ext_dir"/database_advisor* "$lib" 2>/dev/null || true)"
[ -z "$left" ] || fail "files left after removal: $left"
pass "apt removed it and no file is left"
"$ROOT/scripts/install.sh" >/dev/null 2>&1 || fail "the development install put back"
echo "package tests passed"
