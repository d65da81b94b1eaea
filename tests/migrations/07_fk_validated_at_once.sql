-- label: dangerous
-- reason: ADD FOREIGN KEY without NOT VALID checks all 50,000 invoices while holding SHARE ROW EXCLUSIVE on invoices and customers.
CREATE INDEX CONCURRENTLY invoices_customer_ref_idx ON invoices (customer_ref);

SET lock_timeout = '5s';
ALTER TABLE invoices ADD CONSTRAINT invoices_customer_ref_fkey
    FOREIGN KEY (customer_ref) REFERENCES customers (id);
