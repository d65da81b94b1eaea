-- label: dangerous
-- reason: running application code still selects customers.name and fails as soon as the rename commits.
SET lock_timeout = '5s';
ALTER TABLE customers RENAME COLUMN name TO full_name;
