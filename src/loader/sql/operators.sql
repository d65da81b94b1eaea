-- Operator classes -> families, and the search operators of btree and hash families:
-- enough to tell whether an index can serve an equality lookup.
SELECT 'c', opc.oid::int8, opc.opcfamily::int8
FROM pg_opclass opc
UNION ALL
SELECT 'o', amop.amopfamily::int8, amop.amopopr::int8
FROM pg_amop amop
JOIN pg_am am ON am.oid = amop.amopmethod
WHERE am.amname IN ('btree', 'hash') AND amop.amoppurpose = 's'
