-- label: dangerous
-- reason: ADD UNIQUE without USING INDEX builds the index over 10,000 rows while holding ACCESS EXCLUSIVE on customers.
SET lock_timeout = '5s';
ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);
