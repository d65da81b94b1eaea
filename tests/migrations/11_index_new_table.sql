-- label: safe
-- reason: shipments is created by this migration, so its indexes are built on an empty table nobody else can see yet; the FK to orders takes its brief lock under a lock_timeout.
BEGIN;
SET LOCAL lock_timeout = '5s';
CREATE TABLE shipments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders (id),
    carrier     text NOT NULL,
    tracking    text,
    shipped_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipments_order_id_idx ON shipments (order_id);
CREATE UNIQUE INDEX shipments_tracking_key ON shipments (carrier, tracking);
COMMIT;
