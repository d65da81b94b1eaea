-- Triggers that call the audit functions advisor_audit_enable generated (in the
-- extension's schema, named advisor_audit:...), with their state.
SELECT t.tgrelid::int8,
       t.tgname::text,
       t.tgenabled::text,
       t.tgtype::int & 1 = 1,
       t.tgparentid <> 0
FROM pg_trigger t
JOIN pg_proc p ON p.oid = t.tgfoid
WHERE p.pronamespace = (SELECT e.extnamespace FROM pg_extension e
                        WHERE e.extname = 'database_advisor')
  AND p.proname LIKE 'advisor\_audit:%'
