#!/usr/bin/env bash
# Accuracy of the migration linter (advisor_lint_migration) against squawk (PyPI squawk-cli)
# on the labelled corpus in tests/migrations/: setup.sql is the fixture database, each
# NN_name.sql a migration whose header says "-- label: dangerous|safe".
#   dangerous = a correct linter reports at least one finding at warning or above
#   safe      = nothing at warning or above
# Prints a per-file table and a summary, writes a Markdown copy to $CLUSTER_BASE/bench-lint.md
# and exits 1 when OUR linter has a miss or a false positive (squawk's score is reported only).
#   DA_SKIP_INSTALL=1   use the installed extension (skip scripts/install.sh)
#   DA_SQUAWK_VENV=DIR  where squawk-cli is installed (default /tmp/database_advisor/squawk-venv)
#   DA_SQUAWK=0         score our linter alone (what `make test` runs: no PyPI needed)
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
corpus="$ROOT/tests/migrations"
results="$CLUSTER_BASE/bench-lint.md"
venv="${DA_SQUAWK_VENV:-/tmp/database_advisor/squawk-venv}"

# squawk rules left out of its score: style, naming and rerunnability advice, not whether the
# migration hurts the database (require-lock-timeout is kept: a missing lock_timeout is a real
# risk, and our lock_timeout_missing reports it too). prefer-timestamptz is the pre-2.x name.
squawk_ignored=(
    prefer-robust-stmts require-statement-timeout require-timeout-settings
    prefer-bigint-over-int prefer-bigint-over-smallint prefer-identity prefer-text-field
    prefer-timestamp-tz prefer-timestamptz ban-char-field
    require-table-schema identifier-too-long require-enum-value-ordering unused-ignore
)

with_squawk=true
[ "${DA_SQUAWK:-1}" = 0 ] && with_squawk=false
if $with_squawk && [ ! -x "$venv/bin/squawk" ]; then
    say "installing squawk-cli into $venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q squawk-cli
fi
squawk_version="squawk (not run)"
$with_squawk && squawk_version="$("$venv/bin/squawk" --version)"

[ "${DA_SKIP_INSTALL:-}" = 1 ] || "$ROOT/scripts/install.sh"

say "starting the lintbench cluster, loading tests/migrations/setup.sql"
"$ROOT/scripts/cluster.sh" start lintbench lintbench
trap '"$ROOT/scripts/cluster.sh" stop lintbench' EXIT
dir="$("$ROOT/scripts/cluster.sh" dir lintbench)"
port="$("$ROOT/scripts/cluster.sh" port lintbench)"
psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres)
"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS lintbench WITH (FORCE)" -c "CREATE DATABASE lintbench"
"${psql[@]}" -d lintbench -c "CREATE EXTENSION database_advisor" -f "$corpus/setup.sql" >/dev/null

# one line per file: file label ours-verdict ours-rules squawk-verdict squawk-rules
rows="$(mktemp)"
trap 'rm -f "$rows"; "$ROOT/scripts/cluster.sh" stop lintbench' EXIT
verdict() { if [ "$1" = - ]; then echo safe; else echo dangerous; fi; }
for file in "$corpus"/[0-9]*.sql; do
    name="$(basename "$file")"
    label="$(sed -n 's/^-- label: *\([a-z]*\).*/\1/p' "$file" | head -1)"
    case "$label" in dangerous|safe) ;; *) echo "$name: no '-- label: dangerous|safe' header" >&2; exit 2 ;; esac
    ours="$("${psql[@]}" -d lintbench -At -v m="$(cat "$file")" <<'SQL'
SELECT coalesce(string_agg(DISTINCT rule, ','), '-')
FROM advisor_lint_migration(:'m') WHERE level >= 'warning';
SQL
)"
    # squawk exits 1 when it reports something; its JSON is a list of violations
    theirs=-
    if $with_squawk; then
        squawk="$("$venv/bin/squawk" --reporter json --pg-version 15 "$file" || true)"
        theirs="$("$venv/bin/python" -c '
import json, sys
ignored = set(sys.argv[1:])
rules = sorted({v["rule_name"] for v in json.load(sys.stdin)} - ignored)
print(",".join(rules) or "-")' "${squawk_ignored[@]}" <<<"${squawk:-[]}")"
    fi
    # the same without require-lock-timeout, the one squawk rule that fires on every statement
    # taking SHARE UPDATE EXCLUSIVE or stronger before a SET lock_timeout
    alt="$(tr ',' '\n' <<<"$theirs" | grep -vx -e require-lock-timeout -e - | paste -sd, || true)"
    echo "$name $label $(verdict "$ours") $ours $(verdict "$theirs") $theirs $(verdict "${alt:--}")" >>"$rows"
done

score() {  # column of the verdict -> "right fp miss"
    awk -v c="$1" '{ if ($2 == $c) r++; else if ($c == "dangerous") fp++; else miss++ }
        END { printf "%d %d %d\n", r, fp, miss }' "$rows"
}
read -r our_right our_fp our_miss <<<"$(score 3)"
read -r sq_right sq_fp sq_miss <<<"$(score 5)"
read -r alt_right alt_fp alt_miss <<<"$(score 7)"
total="$(wc -l <"$rows")"
dangerous="$(awk '$2 == "dangerous"' "$rows" | wc -l)"
mark() { if [ "$1" = "$2" ]; then echo ok; else [ "$2" = dangerous ] && echo FP || echo MISS; fi; }

{
    echo "Migration linter accuracy: $total migrations in tests/migrations/ ($dangerous dangerous, $((total - dangerous)) safe), $squawk_version"
    echo
    echo "| | right | false positives | misses |"
    echo "|---|---|---|---|"
    echo "| database_advisor | $our_right / $total | $our_fp | $our_miss |"
    echo "| $squawk_version | $sq_right / $total | $sq_fp | $sq_miss |"
    echo "| $squawk_version without require-lock-timeout | $alt_right / $total | $alt_fp | $alt_miss |"
    echo
    echo "| migration | label | database_advisor | squawk |"
    echo "|---|---|---|---|"
    while read -r name label ov orules sv srules _; do
        echo "| \`$name\` | $label | $(mark "$label" "$ov") \`$orules\` | $(mark "$label" "$sv") \`$srules\` |"
    done <"$rows"
    echo
    echo "squawk's ignored rules: ${squawk_ignored[*]}"
} >"$results"

printf '%-38s %-9s %-4s %-52s %-4s %s\n' file label ours "rules (warning+)" sqk "squawk rules"
while read -r name label ov orules sv srules _; do
    printf '%-38s %-9s %-4s %-52s %-4s %s\n' "$name" "$label" "$(mark "$label" "$ov")" "$orules" \
        "$(mark "$label" "$sv")" "$srules"
done <"$rows"
echo
printf '%-24s right %2d/%d  false positives %2d  misses %2d\n' database_advisor "$our_right" "$total" "$our_fp" "$our_miss"
if $with_squawk; then
    printf '%-24s right %2d/%d  false positives %2d  misses %2d\n' "$squawk_version" "$sq_right" "$total" "$sq_fp" "$sq_miss"
    printf '%-24s right %2d/%d  false positives %2d  misses %2d  (without require-lock-timeout)\n' \
        "$squawk_version" "$alt_right" "$total" "$alt_fp" "$alt_miss"
    echo "squawk ignored: ${squawk_ignored[*]}"
fi
echo "Markdown table: $results"
[ "$our_fp" -eq 0 ] && [ "$our_miss" -eq 0 ]
