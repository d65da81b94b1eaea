"""TPC-H data and the 22 queries from duckdb's tpch extension (PyPI duckdb +
duckdb-extension-tpch, loaded from the package: no download), into a directory."""
import glob
import os
import sys

import duckdb
import duckdb_extension_tpch

out, sf = sys.argv[1], float(sys.argv[2])
os.makedirs(out, exist_ok=True)
ext = glob.glob(os.path.join(os.path.dirname(duckdb_extension_tpch.__file__),
                             "extensions", "**", "tpch.duckdb_extension"), recursive=True)[0]
con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{ext}'")
con.execute(f"CALL dbgen(sf={sf})")
for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
    con.execute(f"COPY {table} TO '{out}/{table}.csv' (HEADER false, DELIMITER '|')")
for n, q in con.execute("SELECT query_nr, query FROM tpch_queries()").fetchall():
    with open(f"{out}/q{n:02d}.sql", "w") as f:
        f.write(q)
