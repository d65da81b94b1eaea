# The two set-up commands (see README): `make demo` and `make test`.
.PHONY: demo test test-pg bench bench-catalog bench-audit bench-index bench-tpch bench-lint stop setup install package regress unit fmt clean

demo:            ## install what is missing, build, start a local cluster, load the demo, print the report
	@scripts/demo.sh

test:            ## install what is missing, then fmt, clippy, unit, server and pg_regress tests
	@scripts/test.sh

test-pg:         ## the server and pg_regress tests on another PostgreSQL: make test-pg PG=13|17|18
	@PG=$(PG) scripts/test-pg.sh

bench:           ## every benchmark below (see BENCHMARKS.md)
bench: bench-catalog bench-audit bench-index bench-tpch bench-lint

bench-catalog:   ## the advisors on 1k/5k/20k-table catalogs
	@bench/run.sh

bench-audit:     ## pgbench with the audit trail on and off
	@bench/audit.sh

bench-index:     ## the index advisor's suggestions built for real, against two baselines
	@bench/index_advisor.sh

bench-tpch:      ## the index advisor on TPC-H: relative workload cost against index size
	@bench/tpch.sh

bench-lint:      ## the migration linter and squawk on the labelled corpus in tests/migrations/
	@bench/lint.sh

stop:            ## stop the demo cluster
	@scripts/cluster.sh stop demo

setup:           ## only install what is missing (packages, cargo-pgrx, pgrx init)
	@scripts/setup.sh

install:         ## build and install the extension into the system PostgreSQL
	@scripts/install.sh

package:         ## a .deb of the release build for the host's PostgreSQL (target/packages/)
	@scripts/package.sh

regress:         ## only the pg_regress suite
	@scripts/regress.sh

unit:            ## only the pure-logic tests (no server)
	cargo test -p database_advisor_core

fmt:
	cargo fmt --all

clean:           ## stop clusters and remove them
	-@scripts/cluster.sh stop demo
	-@scripts/cluster.sh stop regress
	-@scripts/cluster.sh stop bench
	-@scripts/cluster.sh stop bench-audit
	rm -rf $${DA_CLUSTER_BASE:-/tmp/database_advisor}
