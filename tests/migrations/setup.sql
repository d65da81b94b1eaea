-- Fixture database for the migration-linter accuracy corpus (scripts/bench-lint.sh).
-- The migrations in this directory are judged against it: sizes and constraints are real.

-- customers: 10,000 rows, primary key, a varchar(20) column, a nullable email
CREATE TABLE customers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    email       text,
    phone       varchar(20),
    country     text NOT NULL DEFAULT 'NL',
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers (name, email, phone, country)
SELECT 'customer ' || i,
       CASE WHEN i % 10 = 0 THEN NULL ELSE 'c' || i || '@example.com' END,
       '+31 6 ' || lpad(i::text, 8, '0'),
       (ARRAY['NL', 'DE', 'BE', 'FR'])[1 + i % 4]
FROM generate_series(1, 10000) AS i;

-- orders: 300,000 rows; customer_id is indexed, product_id and status are not;
-- quantity is an int4 (widening it to bigint rewrites the table)
CREATE TABLE orders (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customers (id),
    product_id   bigint,
    quantity     integer NOT NULL,
    status       text NOT NULL DEFAULT 'new',
    note         text,
    shipped_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO orders (customer_id, product_id, quantity, status, note, shipped_at)
SELECT 1 + i % 10000, 1 + i % 500, 1 + i % 7,
       (ARRAY['new', 'paid', 'shipped'])[1 + i % 3],
       CASE WHEN i % 5 = 0 THEN 'gift' END,
       CASE WHEN i % 3 = 2 THEN now() - i * interval '1 minute' END
FROM generate_series(1, 300000) AS i;
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_created_at_idx ON orders (created_at);
-- added NOT VALID by an earlier migration, still to be validated
ALTER TABLE orders ADD CONSTRAINT orders_status_known
    CHECK (status IN ('new', 'paid', 'shipped', 'cancelled')) NOT VALID;

-- products: 500 rows
CREATE TABLE products (
    id     bigint PRIMARY KEY,
    sku    text NOT NULL,
    price  numeric(10,2) NOT NULL
);
INSERT INTO products SELECT i, 'SKU-' || i, (i % 100) + 0.99 FROM generate_series(1, 500) AS i;

-- invoices: 50,000 rows; customer_ref has no NOT NULL but a VALIDATED
-- CHECK (customer_ref IS NOT NULL) that proves it (SET NOT NULL then skips the scan)
CREATE TABLE invoices (
    id            bigint PRIMARY KEY,
    customer_ref  bigint,
    amount        numeric(12,2) NOT NULL,
    CONSTRAINT invoices_customer_ref_not_null CHECK (customer_ref IS NOT NULL)
);
INSERT INTO invoices SELECT i, 1 + i % 10000, i % 1000 FROM generate_series(1, 50000) AS i;

-- audit_events: an empty table (nothing to scan, nobody to block)
CREATE TABLE audit_events (
    id          integer PRIMARY KEY,
    kind        text NOT NULL,
    actor       text,
    payload     text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- events: a partitioned table, two partitions with 20,000 rows each
CREATE TABLE events (
    id          bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    kind        text NOT NULL
) PARTITION BY RANGE (occurred_at);
CREATE TABLE events_2024 PARTITION OF events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events
SELECT i, timestamptz '2024-01-01' + (i % 700) * interval '1 day', 'click'
FROM generate_series(1, 40000) AS i;

VACUUM ANALYZE;
