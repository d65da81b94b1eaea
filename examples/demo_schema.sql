-- database_advisor demo: a multi-tenant SaaS (project management + billing) with
-- problems planted on purpose for every advisor in shared/DESIGN.md §6. Each plant is
-- marked "PLANTED: <rule>". Load into an empty database as a superuser:
--     psql -d demo -f examples/demo_schema.sql -f examples/demo_workload.sql
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- Roles are cluster-wide: create them only once.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_owner') THEN
        -- the application connects as the owner of its tables: RLS does not apply to it
        CREATE ROLE app_owner LOGIN PASSWORD 'demo';            -- PLANTED: rls_not_forced
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_user') THEN
        CREATE ROLE app_user LOGIN PASSWORD 'demo';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_admin') THEN
        CREATE ROLE app_admin LOGIN BYPASSRLS PASSWORD 'demo';  -- PLANTED: rls_bypass_role
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reporting') THEN
        CREATE ROLE reporting NOLOGIN;
    END IF;
END $$;

CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
-- advisor_schedule() uses pg_cron, which can only be created in its cron.database_name
SELECT current_setting('cron.database_name', true) = current_database() AS cron_here \gset
\if :cron_here
CREATE EXTENSION IF NOT EXISTS pg_cron;
\endif
-- an old version, left behind when the package was upgraded
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public VERSION '1.3'; -- PLANTED: extension_in_public, extension_outdated
GRANT CREATE ON SCHEMA public TO PUBLIC;                          -- PLANTED: public_schema_create

CREATE SCHEMA app AUTHORIZATION app_owner;
GRANT USAGE ON SCHEMA app TO app_user, app_admin, reporting;
SET ROLE app_owner;
SET search_path = app, public;

CREATE TABLE tenants (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    plan        text NOT NULL DEFAULT 'free',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL,
    full_name     text NOT NULL,
    password_hash text NOT NULL,
    ssn           text,                                            -- PLANTED: sensitive_column_plaintext
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_email_idx ON users (email);                     -- PLANTED: duplicate_index

CREATE TABLE memberships (
    tenant_id  bigint NOT NULL REFERENCES tenants ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE, -- PLANTED: missing_fk_index (PK leads with tenant_id)
    role       text NOT NULL DEFAULT 'member',
    PRIMARY KEY (tenant_id, user_id)
);

CREATE TABLE teams (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  bigint NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name       text NOT NULL
);
CREATE INDEX ON teams (tenant_id);

CREATE TABLE team_members (
    team_id  bigint NOT NULL REFERENCES teams ON DELETE CASCADE,
    user_id  bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX ON team_members (user_id);

CREATE TABLE projects (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants ON DELETE CASCADE,
    team_id     bigint REFERENCES teams ON DELETE SET NULL,        -- PLANTED: missing_fk_index
    name        text NOT NULL,
    archived    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_tenant_idx ON projects (tenant_id);           -- PLANTED: redundant_index
CREATE INDEX projects_tenant_created_idx ON projects (tenant_id, created_at);

CREATE TABLE tasks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants ON DELETE CASCADE, -- PLANTED: missing_fk_index, rls_policy_column_unindexed
    project_id   bigint NOT NULL REFERENCES projects ON DELETE CASCADE, -- PLANTED: missing_fk_index (hot: projects get deleted)
    assignee_id  bigint REFERENCES users ON DELETE SET NULL,
    title        text NOT NULL,
    status       text NOT NULL DEFAULT 'open',
    due_on       date,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_assignee_partial_idx ON tasks (assignee_id) WHERE status = 'open'; -- partial: does not cover the FK
CREATE INDEX tasks_title_idx ON tasks (title);                     -- PLANTED: unused_index

CREATE TABLE tags (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  bigint NOT NULL REFERENCES tenants ON DELETE CASCADE, -- PLANTED: missing_fk_index
    name       text NOT NULL
);

CREATE TABLE task_tags (
    task_id  bigint NOT NULL REFERENCES tasks ON DELETE CASCADE,
    tag_id   bigint NOT NULL REFERENCES tags ON DELETE CASCADE,     -- PLANTED: missing_fk_index
    PRIMARY KEY (task_id, tag_id)
);

CREATE TABLE comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants ON DELETE CASCADE,
    task_id     bigint NOT NULL REFERENCES tasks ON DELETE CASCADE, -- PLANTED: missing_fk_index
    author_id   bigint NOT NULL REFERENCES users,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON comments (tenant_id);
CREATE INDEX ON comments (author_id);
CREATE INDEX comments_task_expr_idx ON comments ((task_id + 0));   -- expression: does not cover the FK

CREATE TABLE attachments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL,                                   -- PLANTED: rls_tenant_column_unprotected
    comment_id  bigint NOT NULL REFERENCES comments ON DELETE CASCADE, -- PLANTED: missing_fk_index
    file_name   text NOT NULL,
    byte_size   bigint NOT NULL
);

CREATE TABLE invoices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants,                 -- PLANTED: rls_disabled_exposed_table
    number      text NOT NULL,
    total_cents bigint NOT NULL,
    status      text NOT NULL DEFAULT 'open',
    issued_on   date NOT NULL DEFAULT current_date
);
CREATE INDEX ON invoices (tenant_id);

CREATE TABLE invoice_items (
    invoice_id   bigint NOT NULL REFERENCES invoices ON DELETE CASCADE,
    line_no      int NOT NULL,
    description  text NOT NULL,
    amount_cents bigint NOT NULL,
    PRIMARY KEY (invoice_id, line_no)
);

CREATE TABLE payment_methods (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants,               -- PLANTED: missing_fk_index
    card_number  text NOT NULL,                                    -- PLANTED: sensitive_column_plaintext
    card_holder  text NOT NULL,
    expires      text NOT NULL
);

CREATE TABLE payments (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id          bigint NOT NULL REFERENCES tenants,
    invoice_id         bigint NOT NULL REFERENCES invoices,        -- PLANTED: missing_fk_index
    payment_method_id  bigint REFERENCES payment_methods,          -- PLANTED: missing_fk_index
    amount_cents       bigint NOT NULL,
    paid_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON payments (tenant_id);

CREATE TABLE api_keys (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants ON DELETE CASCADE, -- PLANTED: missing_fk_index
    key_hash    text NOT NULL,
    label       text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhooks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants ON DELETE CASCADE, -- PLANTED: missing_fk_index
    url         text NOT NULL,
    secret      text NOT NULL
);

-- events are partitioned by month; the FK is reported once, at the parent
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    tenant_id   bigint NOT NULL REFERENCES tenants ON DELETE CASCADE, -- PLANTED: missing_fk_index (partitioned)
    kind        text NOT NULL,
    payload     jsonb,
    occurred_at timestamptz NOT NULL
) PARTITION BY RANGE (occurred_at);
CREATE TABLE events_2026_10 PARTITION OF events
    FOR VALUES FROM ('2026-10-01') TO ('2026-11-01');
CREATE TABLE events_2026_11 PARTITION OF events
    FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');

-- a table with a name that needs quoting, as real schemas have
CREATE TABLE "Customer Notes" (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "Tenant Id" bigint NOT NULL REFERENCES tenants,               -- PLANTED: missing_fk_index (quoted names)
    note        text
);

-- Audit trail plants (they need the extension, so scripts/demo.sh sets them up):
-- app.payment_methods is audited with advisor_audit_enable (card numbers left out);
-- app.invoices is audited, then a migration disabled its trigger  -- PLANTED: audit_trigger_disabled
-- app.users, app.webhooks, ... hold sensitive columns, unaudited -- PLANTED: audit_missing_sensitive_table

-- Row Level Security --------------------------------------------------------------
-- tenant isolation reads the tenant from a setting; current_setting() runs per row
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;                   -- PLANTED: rls_not_forced
CREATE POLICY projects_tenant ON projects
    USING (tenant_id = current_setting('app.tenant_id')::bigint); -- PLANTED: rls_per_row_function

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tasks_tenant ON tasks FOR SELECT
    USING (tenant_id = current_setting('app.tenant_id')::bigint);
CREATE POLICY tasks_assignee ON tasks FOR SELECT                  -- PLANTED: rls_multiple_permissive
    USING (assignee_id = current_setting('app.user_id')::bigint);
CREATE POLICY tasks_insert ON tasks FOR INSERT
    WITH CHECK (true);                                            -- PLANTED: rls_write_without_check

ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
CREATE POLICY comments_tenant ON comments
    USING (tenant_id = (SELECT current_setting('app.tenant_id')::bigint));
CREATE POLICY comments_edit ON comments FOR UPDATE TO app_user
    USING (true);                                                 -- PLANTED: rls_policy_always_true

ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;
CREATE POLICY attachments_by_comment ON attachments               -- PLANTED: rls_tenant_column_unprotected
    USING (comment_id IN (SELECT id FROM app.comments));

CREATE POLICY api_keys_tenant ON api_keys                         -- PLANTED: rls_policy_without_rls
    USING (tenant_id = (SELECT current_setting('app.tenant_id')::bigint));

ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;                   -- PLANTED: rls_enabled_no_policy

ALTER TABLE events ENABLE ROW LEVEL SECURITY;                     -- PLANTED: rls_partition_unprotected
CREATE POLICY events_tenant ON events
    USING (tenant_id = (SELECT current_setting('app.tenant_id')::bigint));

-- a reporting view owned by app_owner reads projects without the caller's RLS
CREATE VIEW project_overview AS                                   -- PLANTED: rls_view_bypass
    SELECT p.tenant_id, p.name, count(t.id) AS open_tasks
    FROM projects p LEFT JOIN tasks t ON t.project_id = p.id AND t.status = 'open'
    GROUP BY p.tenant_id, p.name;

-- SECURITY DEFINER helper without a pinned search_path, executable by everyone
CREATE FUNCTION tenant_revenue(p_tenant bigint) RETURNS bigint    -- PLANTED: security_definer_search_path, security_definer_public_execute
LANGUAGE sql SECURITY DEFINER AS $$
    SELECT coalesce(sum(total_cents), 0) FROM invoices WHERE tenant_id = p_tenant
$$;

-- webhook deliveries: written by an older service, whose key column is an integer
CREATE TABLE webhook_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id  int NOT NULL REFERENCES webhooks ON DELETE CASCADE, -- PLANTED: fk_type_mismatch
    handler     regproc,                                          -- PLANTED: upgrade_blocking_type
    status      int NOT NULL
);
CREATE INDEX ON webhook_deliveries (webhook_id);
-- added NOT VALID "to validate later", never validated
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_http
    CHECK (status BETWEEN 100 AND 599) NOT VALID;                -- PLANTED: constraint_not_validated

-- a later migration added the same foreign key again
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_webhook_fk
    FOREIGN KEY (webhook_id) REFERENCES webhooks ON DELETE CASCADE; -- PLANTED: duplicate_constraint

-- an archive kept the old way: a parent and a child by INHERITS, neither with a key
CREATE TABLE audit_archive (at timestamptz NOT NULL, note text);  -- PLANTED: no_primary_key
CREATE TABLE audit_archive_2025 () INHERITS (audit_archive);     -- PLANTED: table_inheritance
-- and a rule from the days before triggers, so nobody deletes from it
CREATE RULE audit_archive_keep AS ON DELETE TO audit_archive DO INSTEAD NOTHING; -- PLANTED: rule_on_table

-- the application role gets the usual blanket grants
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA app TO app_user;
GRANT SELECT ON ALL TABLES IN SCHEMA app TO reporting;
GRANT SELECT ON events_2026_10, events_2026_11 TO app_user;

-- created after the grants: the application does not read these two
-- SMS messages: a serial (integer) key, most of its 2^31 values used by an old import
CREATE TABLE sms_messages (
    id         serial PRIMARY KEY,                      -- PLANTED: sequence_exhaustion, discouraged_column_type
    body       text NOT NULL
);
SELECT setval('sms_messages_id_seq', 1900000000) AS sms_at;

-- page views: a log only ever appended to, in time order, with a btree on its time
CREATE TABLE page_views (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    viewed_at timestamptz NOT NULL,                    -- PLANTED: partition_candidate (see the end)
    path      text NOT NULL
);
INSERT INTO page_views (viewed_at, path)
SELECT timestamptz '2026-01-01 00:00+00' + g * interval '1 minute', '/p/' || (g % 50)
FROM generate_series(1, 420000) g;
CREATE INDEX page_views_viewed_at ON page_views (viewed_at);       -- PLANTED: brin_candidate
ANALYZE page_views;

-- a staging table for imports, with autovacuum switched off "to make loads faster":
-- rows deleted after each import stay dead, and its statistics are never refreshed
CREATE TABLE import_staging (id bigint PRIMARY KEY, payload text)
    WITH (autovacuum_enabled = false);                            -- PLANTED: autovacuum_disabled
INSERT INTO import_staging SELECT g, 'row ' || g FROM generate_series(1, 4000) g;
DELETE FROM import_staging WHERE id > 1000;                       -- PLANTED: vacuum_overdue, stale_statistics

-- the notification log: a cleanup job deleted nine rows in ten, vacuum kept the pages
CREATE TABLE notification_log (id bigint PRIMARY KEY, channel text NOT NULL);
INSERT INTO notification_log SELECT g, md5(g::text) FROM generate_series(1, 150000) g;
CREATE INDEX notification_log_channel ON notification_log (channel); -- PLANTED: index_bloat
DELETE FROM notification_log WHERE id % 10 <> 0;                     -- PLANTED: table_bloat
VACUUM ANALYZE notification_log;

RESET ROLE;

-- the demo's tables are small: it calls a table of 16 MB large enough to partition
-- (partition_candidate: page_views; the default is 10 GB)
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET database_advisor.partition_min_size = %L',
                   current_database(), '16MB');
END $$;
