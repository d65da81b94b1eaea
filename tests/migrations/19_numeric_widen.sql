-- label: safe
-- reason: numeric(12,2) to numeric(14,2) keeps the scale and widens the precision, so no row is rewritten or checked; brief lock under a lock_timeout.
SET lock_timeout = '5s';
ALTER TABLE invoices ALTER COLUMN amount TYPE numeric(14,2);
