-- label: safe
-- reason: audit_events is empty, so a NOT NULL column without a default has no row to fail on.
ALTER TABLE audit_events ADD COLUMN source text NOT NULL;
