-- Child -> parent: partitions (of tables and of indexes), and tables that inherit the old
-- way (INHERITS).
SELECT i.inhrelid::int8, i.inhparent::int8, c.relispartition
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE c.relispartition OR c.relkind IN ('r', 'p', 'f')
