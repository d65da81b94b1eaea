#!/usr/bin/env bash
# make package: a .deb of the release build for the host's PostgreSQL, from `cargo pgrx
# package` output: database-advisor_<version>_pg<major>_<arch>.deb in target/packages/.
# It holds the library, the control file, the generated install script and sql/ (the
# released install scripts and the upgrade scripts).
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
arch="$(dpkg --print-architecture)"
name="database-advisor"
stage="$ROOT/target/packages/stage-pg$PG_MAJOR"
deb="$ROOT/target/packages/${name}_${version}_pg${PG_MAJOR}_${arch}.deb"
rm -rf "$stage" && mkdir -p "$stage"

say "cargo pgrx package (release) for PostgreSQL $PG_MAJOR"
cargo pgrx package --pg-config "$PG_CONFIG" --out-dir "$stage"
ext_dir="$stage$("$PG_CONFIG" --sharedir)/extension"
test -f "$ext_dir/database_advisor--$version.sql"
install -m 644 sql/database_advisor--*.sql "$ext_dir/"
find "$stage" -type d -exec chmod 755 {} +
find "$stage" -type f -exec chmod 644 {} +

mkdir -p "$stage/DEBIAN"
size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: postgresql-$PG_MAJOR-database-advisor
Version: $version
Architecture: $arch
Maintainer: database_advisor developers <database-advisor@localhost>
Installed-Size: $size
Depends: postgresql-$PG_MAJOR, libc6
Section: database
Priority: optional
Description: database_advisor for PostgreSQL $PG_MAJOR
 The checks a senior database architect would run, inside PostgreSQL: missing FK
 indexes, unused indexes, RLS gaps, security holes, slow queries, and an audit trail
 generator. CREATE EXTENSION database_advisor; in a database to use it.
CONTROL
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
say "built $deb"
dpkg-deb --info "$deb" | sed -n 's/^ *\(Package\|Version\|Installed-Size\):/  \1:/p'
