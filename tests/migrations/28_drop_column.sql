-- label: dangerous
-- reason: dropping orders.note destroys its data and breaks application code that still reads or writes it.
SET lock_timeout = '5s';
ALTER TABLE orders DROP COLUMN note;
