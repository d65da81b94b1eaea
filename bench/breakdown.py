"""Turns one traced run (psql output with database_advisor.trace NOTICEs and \\timing) into
bench result lines: size|<view>: <phase> (ms)|value, for SQL, decoding, assembling the
snapshot, rules and the rest of the statement (the output)."""
import re
import sys

size, view = sys.argv[1], sys.argv[2]
text = sys.stdin.read()
snap = re.search(r"SQL (\d+) ms, decoding (\d+) ms, the rest (\d+) ms", text)
rules = re.search(r"rules in (\d+) ms", text)
total = re.findall(r"Time: ([\d.]+) ms", text)
if not (snap and rules and total):
    sys.exit(f"no trace for {view}: {text}")
sql, decode, assemble = (int(x) for x in snap.groups())
rules_ms, total_ms = int(rules.group(1)), float(total[-1])
phases = [("catalog SQL", sql), ("decoding rows", decode), ("assembling the snapshot", assemble),
          ("rules", rules_ms), ("output (the rest)", round(total_ms - sql - decode - assemble - rules_ms))]
for name, ms in phases:
    print(f"{size}|{view}: {name}|{ms}")
