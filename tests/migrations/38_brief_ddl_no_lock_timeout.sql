-- label: dangerous
-- reason: SET DEFAULT is brief but takes ACCESS EXCLUSIVE on the 300,000-row orders table with no lock_timeout, so it can queue every query behind a long transaction.
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';
