-- Index rules: unused, duplicate, redundant and invalid indexes, end to end, with the
-- round trip (run each fix: the finding is gone, nothing new appears, no FK loses its
-- index) and the undo statements (they recreate identical indexes).
CREATE SCHEMA "Idx Lab";
-- cumulative statistics are flushed on demand from PostgreSQL 15 on. Before, a backend
-- sends them to the statistics collector when a statement ends half a second after its
-- last report, and readers take its file if it is less than half a second old: a pause
-- (in psql, so that pg_stat_statements records no statement), a statement, a pause
SELECT current_setting('server_version_num')::int >= 150000 AS flush_on_demand \gset
SET search_path = "Idx Lab", public;
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE "Order" (
    id int PRIMARY KEY,
    parent_id int REFERENCES parent,
    "Select" int,
    b int,
    note text
);
INSERT INTO parent SELECT g FROM generate_series(1, 10) g;
INSERT INTO "Order" SELECT g, 1 + g % 10, g % 7, g % 3, 'n' || g FROM generate_series(1, 2000) g;
CREATE INDEX order_parent_idx ON "Order" (parent_id);          -- only FK cover: kept
CREATE INDEX "order_Select_idx" ON "Order" ("Select");         -- redundant
CREATE INDEX order_select_b_idx ON "Order" ("Select", b);
CREATE INDEX order_b_idx ON "Order" (b DESC);                  -- duplicate pair
CREATE INDEX "order b again" ON "Order" (b DESC);
CREATE INDEX order_note_lower_idx ON "Order" (lower(note));    -- used below: not unused
CREATE UNIQUE INDEX order_note_key ON "Order" (note);          -- enforces uniqueness: kept
-- a failed concurrent unique build leaves a real invalid index
CREATE UNIQUE INDEX CONCURRENTLY order_b_key ON "Order" (b);
-- a partitioned index is invalid while a partition lacks its index
CREATE TABLE events (id int, kind int) PARTITION BY RANGE (id);
CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (100);
CREATE TABLE "events 2" PARTITION OF events FOR VALUES FROM (100) TO (200);
INSERT INTO events SELECT g, g % 5 FROM generate_series(0, 199) g;
CREATE INDEX events_kind_idx ON ONLY events (kind);
CREATE INDEX events_1_kind_idx ON events_1 (kind);
ALTER INDEX events_kind_idx ATTACH PARTITION events_1_kind_idx;
ANALYZE;

-- use two indexes, so they are not "unused"
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM "Order" WHERE lower(note) = 'n1';
SELECT count(*) FROM events_1 WHERE kind = 1;
RESET enable_seqscan;
RESET enable_bitmapscan;
\if :flush_on_demand
SELECT pg_stat_force_next_flush() \gset
\else
\! sleep 0.6
SELECT pg_stat_clear_snapshot() \gset
\! sleep 0.6
\endif
SELECT pg_sleep(0.1);

SELECT rule, level, object_type, object_identity, remediation
FROM advisor_index_findings
WHERE object_identity LIKE '%"Idx Lab"%' AND rule <> 'missing_fk_index'
ORDER BY rule, object_identity;

-- the family view carries every contract column and the undo
SELECT rule, object_identity, undo
FROM advisor_index_findings
WHERE object_identity LIKE '%"Idx Lab"%' AND undo IS NOT NULL
ORDER BY rule, object_identity;

-- unused indexes: facts and a stats window that says it is young
SELECT index_name, scans, table_inserts, level,
       detail LIKE '%statistics only cover%' AS says_window_is_young,
       detail LIKE '%standbys are not counted%' AS mentions_standbys,
       stats_window < interval '1 day' AS young_window
FROM advisor_unused_indexes WHERE schema_name = 'Idx Lab' ORDER BY index_name;
SET database_advisor.min_stats_age = 0;
SET database_advisor.unused_index_min_size = 0;
SELECT index_name, level FROM advisor_unused_indexes WHERE schema_name = 'Idx Lab' ORDER BY 1;
RESET database_advisor.min_stats_age;
RESET database_advisor.unused_index_min_size;

-- keep what is needed to check the undo statements later
CREATE TEMP TABLE dropped AS
SELECT DISTINCT f.object_identity, f.undo,
       pg_get_indexdef(f.object_identity::regclass) AS def
FROM advisor_index_findings f
WHERE f.object_identity LIKE '"Idx Lab".%' AND f.undo IS NOT NULL
  AND f.rule IN ('unused_index', 'duplicate_index', 'redundant_index');
CREATE TEMP TABLE before_fix AS SELECT fingerprint FROM advisor_findings;

-- Round trip: every fix, as given ...
SELECT remediation FROM advisor_index_findings
WHERE object_identity LIKE '%"Idx Lab"%' AND rule <> 'missing_fk_index'
  AND remediation IS NOT NULL
ORDER BY rule, object_identity \gexec
-- ... leaves no index finding in the schema, nothing new, and no unindexed FK
SELECT rule, object_identity FROM advisor_findings
WHERE object_identity LIKE '%"Idx Lab"%' ORDER BY 1, 2;
SELECT fingerprint AS new_finding FROM advisor_findings EXCEPT SELECT fingerprint FROM before_fix;
SELECT c.relname AS remaining_index, i.indisvalid
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relnamespace = '"Idx Lab"'::regnamespace
ORDER BY 1;

-- the undo statements recreate identical indexes
SELECT undo FROM dropped ORDER BY object_identity \gexec
SELECT object_identity, pg_get_indexdef(object_identity::regclass) = def AS identical
FROM dropped ORDER BY 1;
RESET search_path;
