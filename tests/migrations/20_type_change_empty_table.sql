-- label: safe
-- reason: audit_events is empty, so the int to bigint rewrite has nothing to copy.
ALTER TABLE audit_events ALTER COLUMN id TYPE bigint;
ALTER TABLE audit_events ALTER COLUMN payload TYPE jsonb USING payload::jsonb;
