-- label: safe
-- reason: audit_events is empty, so the non-concurrent build is instant and blocks nobody.
CREATE INDEX audit_events_kind_idx ON audit_events (kind);
CREATE INDEX audit_events_created_at_idx ON audit_events (created_at);
