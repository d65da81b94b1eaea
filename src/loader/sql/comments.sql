-- The relations and columns of user schemas that have a COMMENT (not blank): objsubid 0
-- for the relation, else the column's attnum.
SELECT d.objoid::int8, d.objsubid
FROM pg_description d
JOIN pg_class c ON c.oid = d.objoid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND {user_schema}
  AND d.description ~ '\S'
