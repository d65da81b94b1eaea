-- label: safe
-- reason: the unique index is built concurrently and the constraint only adopts it, a brief catalog change under a lock_timeout.
CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (email);

SET lock_timeout = '5s';
ALTER TABLE customers ADD CONSTRAINT customers_email_key
    UNIQUE USING INDEX customers_email_key;
