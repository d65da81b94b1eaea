-- label: dangerous
-- reason: ADD COLUMN NOT NULL without a default fails on customers' 10,000 rows with "column contains null values".
SET lock_timeout = '5s';
ALTER TABLE customers ADD COLUMN tier text NOT NULL;
