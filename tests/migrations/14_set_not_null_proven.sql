-- label: safe
-- reason: the validated CHECK (customer_ref IS NOT NULL) lets PostgreSQL skip the scan, so SET NOT NULL is a brief catalog change under a lock_timeout.
SET lock_timeout = '5s';
ALTER TABLE invoices ALTER COLUMN customer_ref SET NOT NULL;
-- the check has done its job
ALTER TABLE invoices DROP CONSTRAINT invoices_customer_ref_not_null;
