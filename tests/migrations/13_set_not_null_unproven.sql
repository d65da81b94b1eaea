-- label: dangerous
-- reason: SET NOT NULL scans all 300,000 orders rows under ACCESS EXCLUSIVE because no validated CHECK proves product_id is not null.
SET lock_timeout = '5s';
ALTER TABLE orders ALTER COLUMN product_id SET NOT NULL;
