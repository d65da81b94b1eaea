"""Turns one traced run (psql output with database_advisor.trace NOTICEs and \\timing) into
bench result lines: size|<view>: <phase> (ms)|value, for the catalog queries (SQL and
decoding their rows), the catalogs read directly, assembling the snapshot, the rules, and
the rest of the statement (the output)."""
import re
import sys

size, view = sys.argv[1], sys.argv[2]
text = sys.stdin.read()
snap = re.search(r"SQL (\d+) ms, decoding (\d+) ms, catalog reads (\d+) ms, the rest (\d+) ms", text)
rules = re.search(r"rules in (\d+) ms", text)
total = re.findall(r"Time: ([\d.]+) ms", text)
if not (snap and rules and total):
    sys.exit(f"no trace for {view}: {text}")
sql, decode, direct, assemble = (int(x) for x in snap.groups())
rules_ms, total_ms = int(rules.group(1)), float(total[-1])
phases = [("catalog SQL", sql), ("decoding rows", decode), ("catalogs read directly", direct),
          ("assembling the snapshot", assemble), ("rules", rules_ms),
          ("output (the rest)", round(total_ms - sql - decode - direct - assemble - rules_ms))]
for name, ms in phases:
    print(f"{size}|{view}: {name}|{ms}")
