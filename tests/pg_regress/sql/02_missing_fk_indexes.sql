-- advisor_missing_fk_indexes: what is reported, what is not, and the round trip.
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id bigint PRIMARY KEY, region text NOT NULL, UNIQUE (id, region));
CREATE TABLE shop.orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customers,
    region text NOT NULL,
    note text,
    FOREIGN KEY (customer_id, region) REFERENCES shop.customers (id, region)
);
-- covered: composite index with the FK columns leading, in another order
CREATE TABLE shop.invoices (
    id bigint PRIMARY KEY,
    customer_id bigint,
    region text,
    FOREIGN KEY (customer_id, region) REFERENCES shop.customers (id, region)
);
CREATE INDEX ON shop.invoices (region, customer_id, id);
-- not covered: partial and expression indexes
CREATE TABLE shop.payments (id bigint PRIMARY KEY, customer_id bigint REFERENCES shop.customers);
CREATE INDEX ON shop.payments (customer_id) WHERE id > 0;
CREATE INDEX ON shop.payments ((customer_id + 0));
-- covered by the composite primary key
CREATE TABLE shop.customer_tags (customer_id bigint REFERENCES shop.customers, tag text,
                                 PRIMARY KEY (customer_id, tag));
-- partitioned: reported once at the parent
CREATE TABLE shop.events (id bigint, customer_id bigint REFERENCES shop.customers)
    PARTITION BY RANGE (id);
CREATE TABLE shop.events_1 PARTITION OF shop.events FOR VALUES FROM (0) TO (1000);
CREATE TABLE shop.events_2 PARTITION OF shop.events FOR VALUES FROM (1000) TO (2000);
INSERT INTO shop.customers SELECT g, 'eu' FROM generate_series(1, 100) g;
INSERT INTO shop.orders SELECT g, 1 + g % 100, 'eu' FROM generate_series(1, 20000) g;
ANALYZE shop.orders;

SELECT level, object_identity, columns, referenced_table, referenced_columns,
       table_rows > 15000 AS big, remediation
FROM advisor_missing_fk_indexes
ORDER BY object_identity;

-- the same findings appear in advisor_findings, with the contract columns
SELECT rule, level, category, object_type, object_identity, fingerprint
FROM advisor_findings
WHERE rule = 'missing_fk_index'
ORDER BY object_identity;
SELECT object_identity, metadata->'columns' AS columns, metadata->>'partitioned' AS partitioned,
       metadata->'uncovered_partitions' AS uncovered
FROM advisor_findings WHERE rule = 'missing_fk_index' ORDER BY 1;
SELECT count(*) AS warnings_or_worse FROM advisor_findings WHERE level >= 'warning';
-- detail names the facts: rows, size, referenced traffic and the stats window
SELECT detail ~ 'scans shop\.orders \(~[0-9,]+ rows, [0-9.]+ [kMG]?B\); shop\.customers had [0-9,]+ deletes and [0-9,]+ updates since (stats reset|server start) at'
       AS detail_has_facts
FROM advisor_missing_fk_indexes WHERE constraint_name = 'orders_customer_id_fkey';

-- Round trip: run every suggested DDL exactly as given (CONCURRENTLY and all) ...
CREATE TEMP TABLE before_fix AS SELECT fingerprint FROM advisor_findings;
SELECT remediation FROM advisor_missing_fk_indexes ORDER BY object_identity \gexec
-- ... then nothing is left and nothing new appeared
SELECT count(*) AS still_missing FROM advisor_missing_fk_indexes;
SELECT fingerprint AS new_finding FROM advisor_findings
EXCEPT SELECT fingerprint FROM before_fix;
SELECT indexrelid::regclass AS created, indisvalid
FROM pg_index WHERE indrelid::regclass::text LIKE 'shop.%' AND NOT indisprimary
ORDER BY 1::text;

-- advisor_run selects rules; unknown ids are an error (SQLSTATE 22023)
SELECT count(*) FROM advisor_run(ARRAY['missing_fk_index']);
SELECT count(*) FROM advisor_run(ARRAY['missing_fk_index', 'no_such_rule']);
\set VERBOSITY sqlstate
SELECT count(*) FROM advisor_run(ARRAY['no_such_rule']);
SELECT advisor_report('yaml');
\set VERBOSITY default
