"""Prints bench results (size|what|value lines) as a Markdown table, plus the ratios."""
import sys
from collections import OrderedDict

rows = OrderedDict()
sizes = []
for line in open(sys.argv[1]):
    size, what, value = line.rstrip("\n").split("|")
    if size not in sizes:
        sizes.append(size)
    rows.setdefault(what, {})[size] = value

print("| measurement | " + " | ".join(f"{s} tables" for s in sizes) + " |")
print("|---|" + "---|" * len(sizes))
for what, values in rows.items():
    print(f"| {what} | " + " | ".join(values.get(s, "") for s in sizes) + " |")

def val(what, size):
    try:
        return float(rows[what][size])
    except (KeyError, ValueError):
        return None

if len(sizes) >= 2:
    big, mid = sizes[-1], sizes[-2]
    f_big, f_mid = val("advisor_findings", big), val("advisor_findings", mid)
    if f_big and f_mid:
        print(f"\nadvisor_findings {big}/{mid} time ratio: {f_big / f_mid:.2f} "
              f"(tables ratio {int(big) / int(mid):.1f})")
for s in sizes:
    ours = val("advisor_missing_fk_indexes", s)
    for name, what in [("plain SQL", "reference: missing FK indexes in plain SQL"),
                       ("splinter", "splinter 0001_unindexed_foreign_keys")]:
        ref = val(what, s)
        if ours and ref:
            print(f"{s} tables: advisor_missing_fk_indexes {ours:.0f} ms vs {name} {ref:.0f} ms "
                  f"({'faster' if ours < ref else 'slower'}, {ref / ours:.2f}x)")
