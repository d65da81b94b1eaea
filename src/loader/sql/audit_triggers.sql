-- Triggers that call the audit functions advisor_audit_enable generated (in the
-- extension's schema, named advisor_audit:...), with their state. Found from the
-- functions through the dependency each trigger records on its function (a trigger's
-- function has no index of its own: a scan of pg_trigger reads every foreign key's four
-- triggers, 230,000 on 20,000 tables).
SELECT t.tgrelid::int8,
       t.tgname::text,
       t.tgenabled::text,
       t.tgtype::int & 1 = 1,
       t.tgparentid <> 0
FROM pg_proc p
JOIN pg_depend d ON d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid
                AND d.classid = 'pg_trigger'::regclass
JOIN pg_trigger t ON t.oid = d.objid AND t.tgfoid = p.oid
WHERE p.pronamespace = (SELECT e.extnamespace FROM pg_extension e
                        WHERE e.extname = 'database_advisor')
  AND p.proname LIKE 'advisor\_audit:%'
