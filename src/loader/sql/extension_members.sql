-- Relations that belong to an extension (pg_depend_reference_index: refclassid leads).
SELECT d.objid::int8
FROM pg_depend d
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.classid = 'pg_class'::regclass
  AND d.deptype = 'e'
