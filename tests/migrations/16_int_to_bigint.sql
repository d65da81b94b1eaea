-- label: dangerous
-- reason: integer to bigint is not binary-coercible, so the 300,000-row table and its indexes are rewritten under ACCESS EXCLUSIVE.
SET lock_timeout = '5s';
-- bulk orders overflow int4
ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;
