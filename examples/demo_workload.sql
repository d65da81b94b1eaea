-- database_advisor demo: data and a short workload (~25 s) so that sizes, statistics
-- and pg_stat_statements have something to say.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET search_path = app, public;

INSERT INTO tenants (name, plan)
SELECT 'Tenant ' || g, (ARRAY['free', 'pro', 'enterprise'])[1 + g % 3]
FROM generate_series(1, 50) g;
INSERT INTO users (email, full_name, password_hash, ssn)
SELECT 'user' || g || '@example.com', 'User ' || g, md5(g::text),
       lpad((g * 7919 % 1000000000)::text, 9, '0')
FROM generate_series(1, 2000) g;
INSERT INTO memberships SELECT 1 + g % 50, g, 'member' FROM generate_series(1, 2000) g;
INSERT INTO teams (tenant_id, name) SELECT 1 + g % 50, 'Team ' || g FROM generate_series(1, 200) g;
INSERT INTO team_members SELECT 1 + g % 200, g FROM generate_series(1, 2000) g;
INSERT INTO projects (tenant_id, team_id, name)
SELECT 1 + g % 50, 1 + g % 200, 'Project ' || g FROM generate_series(1, 600) g;
INSERT INTO tasks (tenant_id, project_id, assignee_id, title, status, due_on)
SELECT 1 + g % 50, 1 + g % 600, 1 + g % 2000, 'Task ' || g,
       (ARRAY['open', 'done', 'blocked'])[1 + g % 3], current_date + g % 90
FROM generate_series(1, 60000) g;
INSERT INTO tags (tenant_id, name) SELECT 1 + g % 50, 'tag' || g FROM generate_series(1, 300) g;
INSERT INTO task_tags SELECT g, 1 + g % 300 FROM generate_series(1, 20000) g;
INSERT INTO comments (tenant_id, task_id, author_id, body)
SELECT 1 + g % 50, 1 + g % 60000, 1 + g % 2000, 'Comment ' || g FROM generate_series(1, 30000) g;
INSERT INTO attachments (tenant_id, comment_id, file_name, byte_size)
SELECT 1 + g % 50, g, 'file' || g || '.pdf', g * 100 FROM generate_series(1, 5000) g;
INSERT INTO invoices (tenant_id, number, total_cents)
SELECT 1 + g % 50, 'INV-' || g, g * 100 FROM generate_series(1, 5000) g;
INSERT INTO invoice_items SELECT g, 1, 'Subscription', g * 100 FROM generate_series(1, 5000) g;
INSERT INTO payment_methods (tenant_id, card_number, card_holder, expires)
SELECT 1 + g % 50, '4111111111111111', 'Holder ' || g, '12/29' FROM generate_series(1, 100) g;
INSERT INTO payments (tenant_id, invoice_id, payment_method_id, amount_cents)
SELECT 1 + g % 50, g, 1 + g % 100, g * 100 FROM generate_series(1, 4000) g;
INSERT INTO api_keys (tenant_id, key_hash, label) SELECT 1 + g % 50, md5('k' || g), 'key' FROM generate_series(1, 200) g;
INSERT INTO webhooks (tenant_id, url, secret) SELECT 1 + g % 50, 'https://example.com/' || g, md5('s' || g) FROM generate_series(1, 100) g;
INSERT INTO events (tenant_id, kind, occurred_at)
SELECT 1 + g % 50, 'login', '2026-10-01'::timestamptz + (g % 60) * interval '1 day'
FROM generate_series(1, 20000) g;
INSERT INTO "Customer Notes" ("Tenant Id", note) SELECT 1 + g % 50, 'note' FROM generate_series(1, 500) g;
ANALYZE;

-- start the statistics window here, so the demo's own numbers are what the advisors see
SELECT pg_stat_reset();
SELECT pg_stat_statements_reset();

-- Deleting projects cascades to tasks: without an index on tasks.project_id every
-- delete scans all of tasks. (missing_fk_index becomes "hot".)
DELETE FROM projects WHERE id IN (SELECT id FROM projects ORDER BY id DESC LIMIT 40);
UPDATE tenants SET plan = 'pro' WHERE id % 5 = 0;
-- the nightly retention job deletes old page views (partition_candidate: drop a
-- partition instead)
DELETE FROM page_views WHERE viewed_at < now() - interval '2 years';

-- N+1: the application loads a list of tasks, then each assignee one by one, one round
-- trip per row (psql's \gexec runs every generated statement as a query of its own, as an
-- ORM's lazy loading does)
\o /dev/null
SELECT format('SELECT * FROM app.users WHERE id = %s', assignee_id)
FROM app.tasks WHERE assignee_id IS NOT NULL ORDER BY id LIMIT 3000 \gexec
\o

-- a dashboard that scans tasks again and again (seq_scan_heavy_table) and a slow
-- per-tenant report joining comments without an index (slow_query, heavy_query)
DO $$
BEGIN
    FOR i IN 1..150 LOOP
        PERFORM count(*) FROM app.tasks WHERE status = 'blocked' AND due_on < current_date + (i % 30);
    END LOOP;
    FOR i IN 1..120 LOOP
        PERFORM t.tenant_id, count(DISTINCT c.author_id)
        FROM app.tasks t JOIN app.comments c ON c.task_id = t.id
        WHERE t.status <> 'done' AND c.body ILIKE '%' || (1 + i % 9) || '%'
        GROUP BY t.tenant_id ORDER BY 2 DESC;
    END LOOP;
END $$;

-- a sort that spills to disk (temp_spill_query)
SET work_mem = '64kB';
SELECT count(*) FROM (SELECT * FROM app.comments ORDER BY body DESC) s;
RESET work_mem;

-- a failed concurrent build leaves an invalid index behind (invalid_index)
\echo 'demo: the next ERROR is planted on purpose (a failed CREATE INDEX CONCURRENTLY)'
\set ON_ERROR_STOP 0
CREATE UNIQUE INDEX CONCURRENTLY tags_tenant_key ON tags (tenant_id);
\set ON_ERROR_STOP 1

-- refresh sizes and row estimates (does not touch the activity counters)
ANALYZE;
