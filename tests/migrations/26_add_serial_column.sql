-- label: dangerous
-- reason: a serial column calls nextval() for each of the 10,000 existing rows, rewriting customers under ACCESS EXCLUSIVE.
SET lock_timeout = '5s';
ALTER TABLE customers ADD COLUMN legacy_number serial;
