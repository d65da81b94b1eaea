-- label: dangerous
-- reason: gen_random_uuid() is volatile, so every one of the 300,000 rows gets its own value and the table is rewritten under ACCESS EXCLUSIVE.
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
