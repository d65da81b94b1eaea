-- label: safe
-- reason: the referencing column is indexed concurrently first, the FK is added NOT VALID under a lock_timeout and validated under SHARE UPDATE EXCLUSIVE.
CREATE INDEX CONCURRENTLY invoices_customer_ref_idx ON invoices (customer_ref);

SET lock_timeout = '5s';
ALTER TABLE invoices ADD CONSTRAINT invoices_customer_ref_fkey
    FOREIGN KEY (customer_ref) REFERENCES customers (id) NOT VALID;
ALTER TABLE invoices VALIDATE CONSTRAINT invoices_customer_ref_fkey;
