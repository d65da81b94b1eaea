-- label: safe
-- reason: varchar(20) to varchar(50) is binary-coercible and only widens the limit, so it is a brief catalog change under a lock_timeout.
SET lock_timeout = '5s';
-- international numbers with extensions
ALTER TABLE customers ALTER COLUMN phone TYPE varchar(50);
