-- label: dangerous
-- reason: CREATE INDEX on the partitioned events table builds an index on each populated partition (40,000 rows) under SHARE, blocking writes.
SET lock_timeout = '5s';
CREATE INDEX events_kind_idx ON events (kind);
