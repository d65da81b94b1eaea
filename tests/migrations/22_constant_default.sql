-- label: safe
-- reason: a constant default is stored once in the catalog (PostgreSQL 11+), so ADD COLUMN is a brief catalog change under a lock_timeout.
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN priority smallint NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN channel text DEFAULT 'web';
