-- The last 30 runs of advisor_snapshot() with their counts, oldest first ({ext} is the
-- extension's schema).
SELECT to_char(r.started_at, 'YYYY-MM-DD HH24:MI'), r.errors::int8, r.warnings::int8,
       r.infos::int8
FROM (SELECT * FROM {ext}.advisor_runs ORDER BY id DESC LIMIT 30) r
ORDER BY r.id
