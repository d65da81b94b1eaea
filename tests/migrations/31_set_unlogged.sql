-- label: dangerous
-- reason: SET UNLOGGED copies the whole table under ACCESS EXCLUSIVE (and makes it lose its data on a crash).
SET lock_timeout = '5s';
ALTER TABLE customers SET UNLOGGED;
