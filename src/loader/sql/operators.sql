-- Operator classes -> families (with the type each is for and whether it is that type's
-- default for its method), and the search operators of btree and hash families: enough
-- to tell whether an index can serve an equality lookup, and whether its definition
-- names an operator class.
SELECT 'c', opc.oid::int8, opc.opcfamily::int8, opc.opcintype::int8, opc.opcdefault
FROM pg_opclass opc
UNION ALL
SELECT 'o', amop.amopfamily::int8, amop.amopopr::int8, NULL, NULL
FROM pg_amop amop
JOIN pg_am am ON am.oid = amop.amopmethod
WHERE am.amname IN ('btree', 'hash') AND amop.amoppurpose = 's'
