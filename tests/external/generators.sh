#!/usr/bin/env bash
# The generators against the real tools, on the running regress cluster (called by
# scripts/regress.sh): the demo schema and a schema of weird names
# (generators_schema.sql) in a database of their own.
#  - advisor_typescript_types(): compiled by tsc --strict with a usage file that must
#    type-check and one whose every line is a mistake the types must catch; and with
#    supabase-js, whose createClient<Database> must infer rows, inserts and joins.
#  - advisor_erd(): parsed and rendered by the real Mermaid library in headless Chromium
#    (a PNG of the demo's diagram is kept); a broken diagram is seen to fail.
#  - advisor_report('html'): opened in headless Chromium, every finding on the page, no
#    console error, the level filter works; a screenshot is kept.
source "$(dirname "$0")/lib.sh"
db=advisor_generators
here="$ROOT/tests/external"
out="$CLUSTER_BASE/generators"
tools="$CLUSTER_BASE/tools"
mkdir -p "$out" "$tools"
r() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$1"; }

psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -d "$db" -v ON_ERROR_STOP=1 -f "$ROOT/examples/demo_schema.sql" >/dev/null
psql -X -q -d "$db" -v ON_ERROR_STOP=1 -f "$here/generators_schema.sql" >/dev/null
psql -X -q -d "$db" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION database_advisor"

# tsc needs Node.js 14.17 or later: where the system's is older (Debian bullseye's 12, for
# PostgreSQL 13), Node.js 20 comes from the npm registry
node=node
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 18 ]; then
    node="$tools/node-20/node_modules/.bin/node"
    [ -x "$node" ] || npm install --silent --no-audit --no-fund --prefix "$tools/node-20" node@20 >/dev/null
fi

# TypeScript (the compiler at a fixed version, from the npm registry)
ts_version=5.6.3
tsc="$tools/typescript-$ts_version/node_modules/typescript/bin/tsc"
if [ ! -f "$tsc" ]; then
    npm install --silent --no-audit --no-fund --prefix "$tools/typescript-$ts_version" \
        "typescript@$ts_version" >/dev/null
fi
ts_dir="$out/typescript"
rm -rf "$ts_dir" && mkdir -p "$ts_dir"
psql -X -q -At -d "$db" -c "SELECT advisor_typescript_types()" > "$ts_dir/database.types.ts"
cp "$here/typescript/usage.ts" "$here/typescript/fails.ts" "$ts_dir/"
tsc_run() { (cd "$ts_dir" && "$node" "$tsc" --strict --noEmit --target es2020 --moduleResolution node "$@"); }
tsc_run database.types.ts usage.ts > "$ts_dir/usage.log" 2>&1 \
    || { cat "$ts_dir/usage.log"; fail "the generated types and usage.ts type-check"; }
tables="$(grep -c '        Row: {' "$ts_dir/database.types.ts")"
pass "advisor_typescript_types(): $(wc -l < "$ts_dir/database.types.ts") lines, $tables tables and views, compile with tsc --strict beside usage.ts"
tsc_run database.types.ts fails.ts > "$ts_dir/fails.log" 2>&1 && fail "fails.ts type-checks"
lines="$(grep -o '^fails.ts([0-9]*' "$ts_dir/fails.log" | cut -d'(' -f2 | sort -un | tr '\n' ' ')"
[ "$lines" = "5 6 7 8 9 " ] || { cat "$ts_dir/fails.log"; fail "tsc rejects each wrong line of fails.ts (rejected lines: $lines)"; }
pass "tsc rejects each of the 5 mistakes in fails.ts: $(grep -o 'error TS[0-9]*' "$ts_dir/fails.log" | sort | uniq -c | tr -s ' ' | tr '\n' ',')"

# supabase-js (at a fixed version) infers rows, inserts and embedded joins from the types
supabase_version=2.109.0
supabase_dir="$tools/supabase-js-$supabase_version"
if [ ! -d "$supabase_dir/node_modules/@supabase/supabase-js" ]; then
    npm install --silent --no-audit --no-fund --prefix "$supabase_dir" \
        "@supabase/supabase-js@$supabase_version" "typescript@$ts_version" >/dev/null
fi
cp "$ts_dir/database.types.ts" "$here/typescript/supabase.ts" "$here/typescript/supabase_fails.ts" "$supabase_dir/"
sb_tsc() { (cd "$supabase_dir" && "$node" node_modules/typescript/bin/tsc --strict --noEmit --target es2020 \
    --module nodenext --moduleResolution nodenext --skipLibCheck database.types.ts "$@"); }
sb_tsc supabase.ts > "$ts_dir/supabase.log" 2>&1 \
    || { cat "$ts_dir/supabase.log"; fail "supabase-js type-checks supabase.ts with the generated types"; }
sb_tsc supabase_fails.ts > "$ts_dir/supabase_fails.log" 2>&1 && fail "supabase_fails.ts type-checks"
lines="$(grep -o '^supabase_fails.ts([0-9]*' "$ts_dir/supabase_fails.log" | cut -d'(' -f2 | sort -un | tr '\n' ' ')"
[ "$lines" = "7 8 " ] || { cat "$ts_dir/supabase_fails.log"; fail "supabase-js rejects lines 7 and 8 of supabase_fails.ts (rejected: $lines)"; }
pass "supabase-js $supabase_version: createClient<Database> types a select, an insert and an embedded join, and rejects a wrong type and a misspelt column"

# Mermaid (the library at a fixed version, from the npm registry) in Debian's Chromium:
# the diagram of the demo and of the weird names parses and renders; a PNG is kept
mermaid_version=11.17.2
mermaid_js="$tools/mermaid-$mermaid_version/node_modules/mermaid/dist/mermaid.min.js"
if [ ! -f "$mermaid_js" ]; then
    npm install --silent --no-audit --no-fund --prefix "$tools/mermaid-$mermaid_version" \
        "mermaid@$mermaid_version" >/dev/null
fi
chromium_flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
                --disable-background-networking --disable-component-update --disable-sync
                --allow-file-access-from-files --virtual-time-budget=20000)
# render NAME SQL: the diagram SQL returns, rendered; prints what the page says
render() {
    local name="$1" page="$out/erd/$1.html"
    mkdir -p "$out/erd" && cp "$mermaid_js" "$out/erd/mermaid.min.js"
    psql -X -q -At -d "$db" -c "$2" > "$out/erd/$name.mmd"
    sed "s|@SOURCE@|$(base64 -w0 < "$out/erd/$name.mmd")|" "$here/erd/render.html" > "$page"
    chromium "${chromium_flags[@]}" --user-data-dir="$(mktemp -d)" --dump-dom "file://$page" \
        2>/dev/null | grep -o '<pre id="result">[^<]*' | sed 's/<pre id="result">//'
}
for case in "demo|SELECT advisor_erd(ARRAY['app'])" \
            "weird|SELECT advisor_erd(ARRAY['Weird \"Names\" Δ'])" \
            "keys|SELECT advisor_erd(columns => 'keys')" \
            "around|SELECT advisor_erd(around => ARRAY['app.users'::regclass], columns => 'none')"; do
    name="${case%%|*}"; sql="${case#*|}"
    said="$(render "$name" "$sql")"
    case "$said" in
        RENDERED*) ;;
        *) cat "$out/erd/$name.mmd"; fail "Mermaid renders advisor_erd ($name): ${said:-no result}" ;;
    esac
    entities="$(grep -c '^    t[0-9]*\[' "$out/erd/$name.mmd")"
    relationships="$(grep -c ' : "' "$out/erd/$name.mmd")"
    grep -q "entities=$entities relationships=$relationships$" <<<"$said" \
        || fail "Mermaid drew the $entities entities and $relationships relationships of $name: $said"
    pass "advisor_erd ($name): Mermaid $mermaid_version in Chromium parsed and drew it ($said)"
done
chromium "${chromium_flags[@]}" --user-data-dir="$(mktemp -d)" --window-size=2400,2000 \
    --screenshot="$out/erd/demo.png" "file://$out/erd/demo.html" >/dev/null 2>&1
[ -s "$out/erd/demo.png" ] || fail "the demo's diagram as a PNG"
pass "the demo's diagram as a PNG: $out/erd/demo.png ($(stat -c %s "$out/erd/demo.png") bytes)"
# a diagram Mermaid cannot parse is caught (the check is not blind)
said="$(render broken "SELECT 'erDiagram' || chr(10) || '    t1 ||--o{ : broken'")"
case "$said" in MERMAID\ ERROR*) ;; *) fail "a broken diagram is reported: $said" ;; esac
pass "a diagram Mermaid cannot parse fails the check ($said)"

# the data dictionary: a section per relation, valid JSON with the same relations
expected="$(r "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname IN ('app', 'Weird \"Names\" Δ') AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                 AND NOT c.relispartition")"
r "SELECT advisor_data_dictionary(schemas => ARRAY['app', 'Weird \"Names\" Δ'])" > "$out/dictionary.md"
[ "$(grep -c '^### ' "$out/dictionary.md")" = "$expected" ] \
    || fail "the dictionary has a section for each of the $expected relations"
[ "$(r "SELECT jsonb_array_length(advisor_data_dictionary('json', ARRAY['app', 'Weird \"Names\" Δ'])::jsonb -> 'relations')")" = "$expected" ] \
    || fail "the JSON dictionary lists the $expected relations"
grep -q '^One row per order.$' "$out/dictionary.md" || fail "the dictionary shows table comments"
pass "advisor_data_dictionary(): Markdown and JSON, the $expected relations of the demo and the weird names"

# The HTML report, opened in Chromium: every finding of the database is on the page (by
# fingerprint, from the DOM), the page logs no console error (a page that throws is seen
# to), and its level filter (from the address's #level=...) hides the others
mkdir -p "$out/report"
r "SELECT advisor_snapshot()" >/dev/null
r "SELECT advisor_report('html')" > "$out/report/report.html"
grep -Eq '<(script|link|img)[^>]+(src|href)=' "$out/report/report.html" && fail "the report loads nothing from elsewhere"
dom() {  # dom PAGE: the page's DOM once its scripts ran
    chromium "${chromium_flags[@]}" --user-data-dir="$(mktemp -d)" --dump-dom "file://$1" 2>/dev/null
}
# errors PAGE: the uncaught errors and console.error calls of a page of $out/report, as
# tests/external/report/harness.html records them
errors() {
    cp "$here/report/harness.html" "$out/report/harness.html"
    dom "$out/report/harness.html#$1" | grep -o '<pre id="result">[^<]*' | sed 's/<pre id="result">//'
}
dom "$out/report/report.html" > "$out/report/dom.html"
r "SELECT fingerprint FROM advisor_findings" | LC_ALL=C sort > "$out/report/expected"
python3 -c 'import html, re, sys
print("\n".join(sorted(html.unescape(v) for v in re.findall(r"data-fingerprint=\"([^\"]*)\"", sys.stdin.read()))))' \
    < "$out/report/dom.html" | LC_ALL=C sort > "$out/report/shown"
[ -s "$out/report/expected" ] || fail "the demo has findings"
diff "$out/report/expected" "$out/report/shown" > /dev/null \
    || { diff "$out/report/expected" "$out/report/shown" | head; fail "the page shows every finding"; }
said="$(errors report.html)"
[ "$said" = "ERRORS 0" ] || fail "the report raises no error and logs none to the console: $said"
echo '<!doctype html><html><head></head><body><script>throw new Error("planted")</script></body></html>' \
    > "$out/report/throws.html"
said="$(errors throws.html)"
case "$said" in "ERRORS 1: "*planted*) ;; *) fail "a page that throws is caught by the harness: $said" ;; esac
error_count="$(r "SELECT count(*) FROM advisor_findings WHERE level = 'error'")"
dom "$out/report/report.html#level=error" > "$out/report/errors-only.html"
visible="$(grep -o '<article class="finding"[^>]*>' "$out/report/errors-only.html" | grep -vc ' hidden')"
[ "$visible" = "$error_count" ] || fail "#level=error shows the $error_count errors only (shows $visible)"
chromium "${chromium_flags[@]}" --user-data-dir="$(mktemp -d)" --window-size=1400,2200 \
    --screenshot="$out/report/report.png" "file://$out/report/report.html" >/dev/null 2>&1
[ -s "$out/report/report.png" ] || fail "a screenshot of the report"
pass "advisor_report('html'): $(wc -l < "$out/report/expected") findings on the page, no console error, #level=error shows the $error_count errors, screenshot $out/report/report.png"

# bad arguments: an ERROR with its SQLSTATE, never a crash
state() { psql -X -q -At -d "$db" -v VERBOSITY=sqlstate -c "$1" 2>&1 | tail -1; }
[ "$(state "SELECT advisor_typescript_types(ARRAY['nope'])")" = "ERROR:  3F000" ] || fail "unknown schema: 3F000"
[ "$(state "SELECT advisor_typescript_types(ARRAY['pg_catalog'])")" = "ERROR:  3F000" ] || fail "a system schema: 3F000"
[ "$(state "SELECT advisor_typescript_types(bigint_type => 'float')")" = "ERROR:  22023" ] || fail "bad bigint_type: 22023"
[ "$(state "SELECT advisor_typescript_types(numeric_type => 'bigint')")" = "ERROR:  22023" ] || fail "numeric as bigint: 22023"
[ "$(state "SELECT advisor_typescript_types(ARRAY[NULL])")" = "ERROR:  22004" ] || fail "a NULL schema: 22004"
# (grep reads a here-string: in a pipe, grep -q leaving at the first match could kill psql
# with SIGPIPE, which pipefail counts as a failure)
grep -q '^          id: string$' <<<"$(r "SELECT advisor_typescript_types(ARRAY['app'], bigint_type => 'string')")" \
    || fail "bigint_type => 'string' types int8 as string"
[ "$(state "SELECT advisor_erd(format => 'dot')")" = "ERROR:  22023" ] || fail "unknown ERD format: 22023"
[ "$(state "SELECT advisor_erd(columns => 'some')")" = "ERROR:  22023" ] || fail "unknown columns: 22023"
[ "$(state "SELECT advisor_erd(depth => -1)")" = "ERROR:  22023" ] || fail "negative depth: 22023"
[ "$(state "SELECT advisor_erd(ARRAY['app'], around => ARRAY['pg_class'::regclass])")" = "ERROR:  22023" ] \
    || fail "around a table not drawn: 22023"
[ "$(state "SELECT advisor_data_dictionary('html')")" = "ERROR:  22023" ] || fail "unknown dictionary format: 22023"
pass "the generators reject unknown schemas (3F000), formats, styles and options (22023), NULLs (22004)"

psql -X -q -d postgres -c "DROP DATABASE $db"
echo "generator tests passed"
