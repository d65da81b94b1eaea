-- label: dangerous
-- reason: SET UNLOGGED copies all 50,000 invoices under ACCESS EXCLUSIVE, and the table then loses its rows on a crash.
SET lock_timeout = '5s';
-- faster bulk loads for the billing import
ALTER TABLE invoices SET UNLOGGED;
