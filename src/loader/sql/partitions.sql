-- Partition -> parent.
SELECT i.inhrelid::int8, i.inhparent::int8
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE c.relispartition
