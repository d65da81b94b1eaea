-- The index advisor benchmark's database: a small shop with customers, orders, events and
-- jobs, no index but the primary keys (and the foreign keys' referenced keys).
CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, region text NOT NULL,
                        created_at timestamptz NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers,
                     status text NOT NULL, created_at timestamptz NOT NULL, total numeric NOT NULL);
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant_id int NOT NULL,
                     kind text NOT NULL, created_at timestamptz NOT NULL, payload text);
CREATE TABLE jobs (id bigint PRIMARY KEY, state text NOT NULL, run_at timestamptz NOT NULL,
                   attempts int NOT NULL);
INSERT INTO customers
SELECT g, 'User' || g || '@Example.com', 'r' || (g % 20), now() - g * interval '1 hour'
FROM generate_series(1, 50000) g;
INSERT INTO orders
SELECT g, 1 + (g::bigint * 7919) % 50000, CASE WHEN g % 50 = 0 THEN 'open' ELSE 'done' END,
       now() - g * interval '1 minute', (g % 1000) / 10.0
FROM generate_series(1, 500000) g;
INSERT INTO events (tenant_id, kind, created_at, payload)
SELECT g % 200, 'k' || (g % 10), now() - g * interval '10 seconds', md5(g::text)
FROM generate_series(1, 300000) g;
INSERT INTO jobs
SELECT g, CASE WHEN g % 500 = 0 THEN 'pending' ELSE 'finished' END,
       now() - g * interval '1 minute', g % 3
FROM generate_series(1, 200000) g;
-- the application reads pending jobs through a view: the constant stays visible to the
-- planner (pg_stat_statements would normalise it away in a statement)
CREATE VIEW pending_jobs AS SELECT * FROM jobs WHERE state = 'pending';
VACUUM ANALYZE;
