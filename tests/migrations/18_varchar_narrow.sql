-- label: dangerous
-- reason: varchar(20) to varchar(12) checks all 10,000 rows under ACCESS EXCLUSIVE and fails on the existing 14-character numbers.
SET lock_timeout = '5s';
ALTER TABLE customers ALTER COLUMN phone TYPE varchar(12);
