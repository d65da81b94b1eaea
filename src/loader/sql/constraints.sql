-- Table constraints in user schemas; for foreign keys the referenced side and the
-- equality operators the referential check uses (conpfeqop); conindid is the index a
-- constraint uses (for a foreign key: the referenced side's unique index).
SELECT co.oid::int8,
       co.conname::text,
       co.conrelid::int8,
       co.contype::text,
       coalesce(co.conkey, '{}'),
       co.conparentid::int8,
       co.confrelid::int8,
       coalesce(co.confkey, '{}'),
       coalesce(co.conpfeqop::int8[], '{}'),
       co.conindid::int8
FROM pg_constraint co
JOIN pg_class c ON c.oid = co.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE co.conrelid <> 0
  AND {user_schema}
