-- The server settings setting_review weighs, as this session sees them (units resolved by
-- pg_settings), and this database's buffer hits and reads since its statistics were reset.
SELECT current_database()::text,
       current_setting('block_size')::int8,
       (SELECT s.setting::int8 * current_setting('block_size')::int8
        FROM pg_settings s WHERE s.name = 'shared_buffers'),
       (SELECT s.setting::int8 * current_setting('block_size')::int8
        FROM pg_settings s WHERE s.name = 'effective_cache_size'),
       current_setting('random_page_cost')::float8,
       current_setting('seq_page_cost')::float8,
       current_setting('track_io_timing')::bool,
       (SELECT s.setting::int8 FROM pg_settings s
        WHERE s.name = 'idle_in_transaction_session_timeout'),
       coalesce((SELECT d.blks_hit FROM pg_stat_database d WHERE d.datname = current_database()), 0)::int8,
       coalesce((SELECT d.blks_read FROM pg_stat_database d WHERE d.datname = current_database()), 0)::int8
