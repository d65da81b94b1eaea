-- label: safe
-- reason: the parent index is created ON ONLY (no build), each partition's index is built concurrently and attached, all strong locks brief and under a lock_timeout.
SET lock_timeout = '5s';
CREATE INDEX events_kind_idx ON ONLY events (kind);

CREATE INDEX CONCURRENTLY events_2024_kind_idx ON events_2024 (kind);
CREATE INDEX CONCURRENTLY events_2025_kind_idx ON events_2025 (kind);

ALTER INDEX events_kind_idx ATTACH PARTITION events_2024_kind_idx;
ALTER INDEX events_kind_idx ATTACH PARTITION events_2025_kind_idx;
