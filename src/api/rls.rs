//! `advisor_rls_gaps`: every Row Level Security finding, one row per gap.

use pgrx::prelude::*;

extension_sql!(
    r#"
CREATE VIEW advisor_rls_gaps AS
SELECT metadata->>'schema' AS schema_name,
       coalesce(metadata->>'table', metadata->>'view', metadata->>'role') AS table_name,
       rule, level::@extschema@.advisor_level AS level, object_type, object_identity, detail,
       remediation, metadata, fingerprint
FROM @extschema@._advisor_run((SELECT pg_catalog.array_agg(r.id) FROM @extschema@.advisor_rules r
                             WHERE r.id LIKE 'rls\_%'), false, false);
COMMENT ON VIEW advisor_rls_gaps IS
'Row Level Security gaps, worst first: tables exposed without RLS, policies that do not apply or let everything through, writes without checks, views and roles that bypass RLS, partitions granted directly, and policies that cost a function call or a scan per row. Each row has the fix (a commented template where a decision is needed).';
"#,
    name = "advisor_rls_gaps_view",
    requires = ["advisor_findings_views"],
);
