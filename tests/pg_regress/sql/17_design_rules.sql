-- Schema design: foreign keys whose type differs from the key they reference,
-- constraints never validated, column types pg_upgrade refuses; each fix run as given.
CREATE SCHEMA "Design ""Δ""";
SET search_path = "Design ""Δ""", public;
CREATE TABLE "Customers" (id bigint PRIMARY KEY, code text UNIQUE);
CREATE TABLE "Order Lines" (
    id bigint PRIMARY KEY,
    "Customer" int REFERENCES "Customers",            -- integer -> bigint
    "customer code" varchar(20) REFERENCES "Customers" (code),  -- varchar -> text
    "Buyer" bigint REFERENCES "Customers",             -- the same type: nothing
    "select" int
);
CREATE INDEX ON "Order Lines" ("Customer");
CREATE INDEX ON "Order Lines" ("customer code");
CREATE INDEX ON "Order Lines" ("Buyer");
INSERT INTO "Customers" VALUES (1, 'a'), (2, 'b');
INSERT INTO "Order Lines" VALUES (1, 1, 'a', 2, 3), (2, 2, 'b', 1, 4);
-- partitions: the foreign key's clones on each partition are reported once, at the parent
CREATE TABLE "Events" (at date NOT NULL, "Customer" int REFERENCES "Customers", handler regproc)
    PARTITION BY RANGE (at);
CREATE TABLE "Events 2026" PARTITION OF "Events" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX ON "Events" ("Customer");
-- NOT VALID, never validated; and one validated later, and one validated at once
ALTER TABLE "Order Lines" ADD CONSTRAINT "select positive" CHECK ("select" > 0) NOT VALID;
ALTER TABLE "Order Lines" ADD CONSTRAINT "buyer fk" FOREIGN KEY ("Buyer") REFERENCES "Customers" NOT VALID;
ALTER TABLE "Order Lines" ADD CONSTRAINT "id positive" CHECK (id > 0) NOT VALID;
ALTER TABLE "Order Lines" VALIDATE CONSTRAINT "id positive";
ALTER TABLE "Order Lines" ADD CONSTRAINT "select small" CHECK ("select" < 100);
-- reg* columns: regproc and regprocedure[] block pg_upgrade, regclass and regrole do not;
-- a view stores nothing
CREATE TABLE "Jobs" (id int PRIMARY KEY, "run with" regprocedure[], target regclass, owner regrole,
                     "the handler" regproc);
CREATE VIEW "Job handlers" AS SELECT "the handler" FROM "Jobs";
INSERT INTO "Jobs" VALUES (1, ARRAY['pg_catalog.lower(text)'::regprocedure], 'pg_class', 'postgres', 'pg_catalog.timeofday');
-- no primary key: a unique NOT NULL index can become one, else an identity column (the
-- partitioned "Events" is reported, its partition is not); legacy inheritance
CREATE TABLE "Log" (id int NOT NULL, at timestamptz);
CREATE UNIQUE INDEX "Log id" ON "Log" (id);
CREATE TABLE "Log 2020" (note text) INHERITS ("Log");
-- the same foreign key twice
ALTER TABLE "Order Lines" ADD CONSTRAINT "buyer again" FOREIGN KEY ("Buyer") REFERENCES "Customers";
-- the same check twice (written otherwise: the same expression); on a partitioned table,
-- reported there and not on its partition, which inherits both
ALTER TABLE "Order Lines" ADD CONSTRAINT "select under 100" CHECK ( ("select")<100 );
ALTER TABLE "Events" ADD CONSTRAINT "after 2000" CHECK (at > '2000-01-01');
ALTER TABLE "Events" ADD CONSTRAINT "after 2000 again" CHECK (at > date '2000-01-01');
VACUUM ANALYZE "Customers", "Order Lines";

SELECT rule, level, object_type, object_identity, remediation FROM advisor_findings
WHERE rule IN ('fk_type_mismatch', 'constraint_not_validated', 'upgrade_blocking_type',
               'no_primary_key', 'duplicate_constraint', 'table_inheritance')
  AND object_identity LIKE '%Design%'
ORDER BY rule, object_identity;
SELECT detail FROM advisor_findings WHERE rule = 'fk_type_mismatch' AND object_identity LIKE '%Design%'
ORDER BY object_identity;

-- the round trip: every remediation as given; the findings are gone, nothing new appears
-- (a view that reads a column blocks ALTER ... TYPE, as the detail says: drop it first)
DROP VIEW "Job handlers";
CREATE TEMP TABLE before_fix AS SELECT fingerprint FROM advisor_findings;
SELECT s FROM advisor_findings, regexp_split_to_table(remediation, E'\n') WITH ORDINALITY AS r(s, i)
WHERE rule IN ('fk_type_mismatch', 'constraint_not_validated', 'upgrade_blocking_type',
               'no_primary_key', 'duplicate_constraint')
  AND object_identity LIKE '%Design%'
ORDER BY rule, object_identity, i \gexec
-- left: the partitioned table's key (no SQL without knowing which columns make a row
-- unique) and the inheritance (no one statement fixes it)
SELECT rule, object_identity FROM advisor_findings
WHERE rule IN ('fk_type_mismatch', 'constraint_not_validated', 'upgrade_blocking_type',
               'no_primary_key', 'duplicate_constraint', 'table_inheritance')
  AND object_identity LIKE '%Design%'
ORDER BY rule, object_identity;
SELECT fingerprint AS new_finding FROM advisor_findings EXCEPT SELECT fingerprint FROM before_fix;
-- the data came through: names kept as text, the keys as bigint
SELECT "the handler", "run with" FROM "Jobs";
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = '"Order Lines"'::regclass AND attname IN ('Customer', 'customer code') ORDER BY 1;
SELECT conrelid::regclass::text AS "table", conname FROM pg_constraint
WHERE contype = 'p' AND connamespace = '"Design ""Δ"""'::regnamespace ORDER BY 1;

-- column types the wiki's "Don't Do This" warns against (info, one finding per column);
-- each fix run as given: the data comes through, and the serial goes on as an identity
CREATE TABLE "Legacy" (
    id serial PRIMARY KEY,
    "When" timestamp,
    "Price" money,
    code char(3),
    doc json,
    "at local" timetz,
    fine timestamptz, ok jsonb, name varchar(10), flag "char"
);
INSERT INTO "Legacy" ("When", "Price", code, doc, "at local")
VALUES ('2026-01-02 03:04:05', 12.5, 'ab', '{"a": 1, "a": 2}', '10:00+02'),
       ('2026-07-01 12:00:00', 0.99, 'xyz', '[]', NULL);
SELECT object_identity, remediation FROM advisor_findings
WHERE rule = 'discouraged_column_type' AND object_identity LIKE '%Design%' ORDER BY 1;
CREATE TEMP TABLE before_types AS SELECT fingerprint FROM advisor_findings;
-- (\o: psql before 15 shows only the last result of a multi-statement remediation)
\o /dev/null
SELECT remediation FROM advisor_findings
WHERE rule = 'discouraged_column_type' AND remediation IS NOT NULL AND object_identity LIKE '%Design%'
ORDER BY object_identity \gexec
\o
-- left: timetz (no single statement says what the values mean); nothing new
SELECT object_identity FROM advisor_findings
WHERE rule = 'discouraged_column_type' AND object_identity LIKE '%Design%';
SELECT fingerprint AS new_finding FROM advisor_findings EXCEPT SELECT fingerprint FROM before_types;
INSERT INTO "Legacy" ("When") VALUES ('2026-12-01 00:00:00+00') RETURNING id;
SELECT id, "When", "Price", code, doc FROM "Legacy" ORDER BY id;
SELECT attname, format_type(atttypid, atttypmod), attidentity FROM pg_attribute
WHERE attrelid = '"Legacy"'::regclass AND attnum > 0 ORDER BY attnum;

-- a rule on a table (a trigger does this job predictably: no remediation, the detail says
-- how); the view's own _RETURN rule is not one
CREATE RULE "keep the log" AS ON DELETE TO "Log" DO INSTEAD NOTHING;
CREATE VIEW "Log view" AS SELECT id FROM "Log";
SELECT rule, level, object_type, object_identity, remediation IS NULL AS no_sql
FROM advisor_findings WHERE rule = 'rule_on_table' AND object_identity LIKE '%Design%';
DROP RULE "keep the log" ON "Log";
SELECT count(*) AS rules_left FROM advisor_findings WHERE rule = 'rule_on_table';

-- multi-tenant design: in a schema where most tables carry the tenant column, a table
-- whose rows belong to a tenant through its foreign keys but has no tenant column; a
-- lookup table that references no tenant's table is shared data, not reported
CREATE SCHEMA "Tenant ""T""";
CREATE TABLE "Tenant ""T""".orders (id bigint PRIMARY KEY, tenant_id bigint NOT NULL,
    "Status" text, placed date);
-- its policy filters by the tenant column, its index on the status does not start with it
ALTER TABLE "Tenant ""T""".orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY "by tenant" ON "Tenant ""T""".orders
    USING (tenant_id = current_setting('app.tenant_id')::bigint);
CREATE INDEX "orders by status" ON "Tenant ""T""".orders ("Status", placed DESC);
CREATE TABLE "Tenant ""T""".customers (id bigint PRIMARY KEY, tenant_id bigint NOT NULL);
CREATE TABLE "Tenant ""T""".invoices (id bigint PRIMARY KEY, tenant_id bigint NOT NULL);
CREATE TABLE "Tenant ""T"""."Order Lines" (id bigint PRIMARY KEY,
    "Order" bigint REFERENCES "Tenant ""T""".orders);
CREATE INDEX ON "Tenant ""T"""."Order Lines" ("Order");
CREATE TABLE "Tenant ""T""".countries (code text PRIMARY KEY);
INSERT INTO "Tenant ""T""".orders VALUES (1, 10, 'open', '2026-11-30'), (2, 20, 'paid', NULL);
INSERT INTO "Tenant ""T"""."Order Lines" VALUES (1, 1), (2, 2), (3, 2);
SELECT rule, object_identity, remediation FROM advisor_findings
WHERE rule IN ('tenant_column_missing', 'tenant_index_not_leading') ORDER BY 1, 2;
CREATE TEMP TABLE before_tenant AS SELECT fingerprint FROM advisor_findings;
SELECT s FROM advisor_findings, regexp_split_to_table(remediation, E'\n') WITH ORDINALITY AS r(s, i)
WHERE rule IN ('tenant_column_missing', 'tenant_index_not_leading') ORDER BY rule, i \gexec
SELECT count(*) AS left_over FROM advisor_findings
WHERE rule IN ('tenant_column_missing', 'tenant_index_not_leading');
-- nothing new appears (unused_index spares the new index: it leads with the column the policy filters by)
SELECT rule, object_identity AS new_finding FROM advisor_findings
WHERE fingerprint NOT IN (SELECT fingerprint FROM before_tenant);
SELECT indexdef FROM pg_indexes WHERE schemaname = 'Tenant "T"' AND tablename = 'orders' ORDER BY 1;
SELECT id, tenant_id FROM "Tenant ""T"""."Order Lines" ORDER BY id;
DROP SCHEMA "Tenant ""T""" CASCADE;

-- physical layout: a log only appended to, in the order of its time and its id (a BRIN
-- index would do for its time index; it is large and its retention deletes ranges of
-- time: partition it), beside the same rows stored in random order (neither)
CREATE SCHEMA "Layout ""L""";
CREATE TABLE "Layout ""L"""."Event Log" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "created at" timestamptz NOT NULL,
    kind int);
INSERT INTO "Layout ""L"""."Event Log" ("created at", kind)
SELECT timestamptz '2026-01-01 00:00+00' + g * interval '1 minute', g % 7
FROM generate_series(1, 420000) g;
CREATE INDEX "log by time" ON "Layout ""L"""."Event Log" ("created at");
CREATE INDEX "log by kind" ON "Layout ""L"""."Event Log" (kind);
CREATE TABLE "Layout ""L""".shuffled ("at" timestamptz NOT NULL);
INSERT INTO "Layout ""L""".shuffled
SELECT timestamptz '2026-01-01 00:00+00' + g * interval '1 minute'
FROM generate_series(1, 420000) g ORDER BY random();
CREATE INDEX "shuffled by time" ON "Layout ""L""".shuffled ("at");
ANALYZE "Layout ""L"""."Event Log", "Layout ""L""".shuffled;
-- large, for this test (the default is 10 GB)
SET database_advisor.partition_min_size = '16MB';
CREATE EXTENSION pg_stat_statements;
SELECT count(*) >= 0 AS reset FROM pg_stat_statements_reset() AS r;
DELETE FROM "Layout ""L"""."Event Log" WHERE "created at" < timestamptz '2025-01-01 00:00+00';
DELETE FROM "Layout ""L""".shuffled WHERE "at" < timestamptz '2025-01-01 00:00+00';
-- (the test's own statements from here on are not workload: not tracked)
SET pg_stat_statements.track = 'none';
SELECT rule, level, object_identity, remediation,
       metadata->>'column' AS "column", metadata->>'btree_bytes' AS btree,
       metadata->>'brin_bytes' AS brin
FROM advisor_findings
WHERE rule IN ('brin_candidate', 'partition_candidate') ORDER BY 1, 3;
SELECT detail ~ 'workload deletes ranges of "created at" \(1 statement, 1 call,' AS deletes
FROM advisor_findings WHERE rule = 'partition_candidate';
CREATE TEMP TABLE before_layout AS SELECT fingerprint FROM advisor_findings;
SELECT s FROM advisor_findings, regexp_split_to_table(remediation, E'\n') WITH ORDINALITY AS r(s, i)
WHERE rule = 'brin_candidate' ORDER BY rule, i \gexec
-- left: the partitioning, which is a migration to plan (no SQL)
SELECT rule, object_identity FROM advisor_findings
WHERE rule IN ('brin_candidate', 'partition_candidate');
-- new: the BRIN index has had no scan yet, so unused_index reports it as on any new index
SELECT rule, object_identity AS new_finding FROM advisor_findings
WHERE fingerprint NOT IN (SELECT fingerprint FROM before_layout);
SELECT indexdef FROM pg_indexes WHERE schemaname = 'Layout "L"' AND tablename = 'Event Log'
ORDER BY 1;
-- the BRIN index is the size the finding said
SELECT pg_relation_size('"Layout ""L"""."Event Log_created at_brin_idx"') AS brin_bytes;
RESET pg_stat_statements.track;
DROP EXTENSION pg_stat_statements;
RESET database_advisor.partition_min_size;
DROP SCHEMA "Layout ""L""" CASCADE;

-- names that must be double-quoted everywhere: identifier_needs_quoting is off by
-- default (a convention a team adopts), runs when named, and once enabled
CREATE SCHEMA "Naming Δ";
CREATE TABLE "Naming Δ"."OrderItems" (id bigint PRIMARY KEY, "Unit Price" numeric,
    "order" int, plain text, café text);
CREATE TABLE "Naming Δ".order_items (id bigint PRIMARY KEY);   -- holds the plain name
CREATE VIEW "Naming Δ".totals AS SELECT sum("Unit Price") AS "Total" FROM "Naming Δ"."OrderItems";
INSERT INTO "Naming Δ"."OrderItems" VALUES (1, 2.5, 1, 'x', 'y');
SELECT count(*) AS off_by_default FROM advisor_findings WHERE rule = 'identifier_needs_quoting';
SELECT count(*) > 0 AS when_named FROM advisor_run(ARRAY['identifier_needs_quoting']);
SELECT advisor_configure_rule('identifier_needs_quoting');
SELECT object_type, object_identity, remediation FROM advisor_findings
WHERE rule = 'identifier_needs_quoting' AND object_identity LIKE '"Naming Δ"%' ORDER BY 2;
CREATE TEMP TABLE before_naming AS SELECT fingerprint FROM advisor_findings;
-- columns first, then their relations, the schema last (each statement names the
-- objects as they are)
SELECT remediation FROM advisor_findings
WHERE rule = 'identifier_needs_quoting' AND object_identity LIKE '"Naming Δ"%'
ORDER BY CASE object_type WHEN 'column' THEN 1 WHEN 'schema' THEN 3 ELSE 2 END, object_identity \gexec
SELECT count(*) AS left_over FROM advisor_findings
WHERE rule = 'identifier_needs_quoting' AND object_identity ~ '^"?naming';
SELECT rule, object_identity AS new_finding FROM advisor_findings
WHERE fingerprint NOT IN (SELECT fingerprint FROM before_naming);
-- the data and the view follow the renames, and unquoted SQL reads them
SELECT id, unit_price, order_, plain, café FROM naming_Δ.order_items_2;
SELECT total FROM naming_Δ.totals;
DELETE FROM advisor_rule_settings WHERE rule = 'identifier_needs_quoting';
DROP SCHEMA naming_Δ CASCADE;

-- relations and columns without a comment: missing_comment is off by default; enabled,
-- it names them, and the comments end it
CREATE SCHEMA "Docs ""D""";
CREATE TABLE "Docs ""D""".orders (id bigint PRIMARY KEY, "Total" numeric);
COMMENT ON TABLE "Docs ""D""".orders IS 'One row per order';
COMMENT ON COLUMN "Docs ""D""".orders.id IS 'the key';
CREATE TABLE "Docs ""D""".bare (id int);
COMMENT ON COLUMN "Docs ""D""".bare.id IS '   ';
CREATE VIEW "Docs ""D""".v AS SELECT id FROM "Docs ""D""".orders;
SELECT count(*) AS off_by_default FROM advisor_findings WHERE rule = 'missing_comment';
SELECT advisor_configure_rule('missing_comment');
SELECT object_type, object_identity, metadata->'columns' AS columns, metadata->'commented' AS commented
FROM advisor_findings WHERE rule = 'missing_comment' AND object_identity LIKE '"Docs%' ORDER BY 2;
COMMENT ON COLUMN "Docs ""D""".orders."Total" IS 'in cents';
COMMENT ON TABLE "Docs ""D""".bare IS 'A table';
COMMENT ON COLUMN "Docs ""D""".bare.id IS 'an id';
COMMENT ON VIEW "Docs ""D""".v IS 'A view';
COMMENT ON COLUMN "Docs ""D""".v.id IS 'the order';
SELECT count(*) AS left_over FROM advisor_findings
WHERE rule = 'missing_comment' AND object_identity LIKE '"Docs%';
DELETE FROM advisor_rule_settings WHERE rule = 'missing_comment';
DROP SCHEMA "Docs ""D""" CASCADE;

RESET search_path;
DROP SCHEMA "Design ""Δ""" CASCADE;
