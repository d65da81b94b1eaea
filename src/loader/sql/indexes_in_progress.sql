-- Indexes being built right now (CREATE INDEX CONCURRENTLY is invalid while it runs).
SELECT p.index_relid::int8 FROM pg_stat_progress_create_index p WHERE p.index_relid <> 0
