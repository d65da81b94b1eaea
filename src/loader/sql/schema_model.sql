-- The schema as the generators describe it (core/src/generate/model.rs), as one JSON
-- document: the schemas $1 names (NULL: every user schema but the ones extensions own),
-- their tables, views, materialized views and foreign tables (not partitions, not what
-- extensions own) with columns, constraints and indexes, their functions, and every type
-- those use (array elements, domains' base types and composite fields followed).
WITH RECURSIVE ns AS (
    SELECT n.oid, n.nspname
    FROM pg_namespace n
    WHERE {user_schema}
      AND ($1::text[] IS NULL OR n.nspname = ANY ($1::text[]))
      AND NOT EXISTS (SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                        AND d.objid = n.oid AND d.deptype = 'e')
), members AS (
    SELECT d.classid, d.objid FROM pg_depend d
    WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
), rels AS (
    SELECT c.oid, ns.nspname, c.relname, c.relkind, c.reltuples
    FROM pg_class c
    JOIN ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
      AND NOT EXISTS (SELECT FROM members m
                      WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND m.objid = c.oid)
), funcs AS (
    SELECT p.oid, ns.nspname, p.proname, p.proargnames, p.proargmodes,
           coalesce(p.proallargtypes, p.proargtypes::oid[]) AS argtypes, p.pronargdefaults,
           p.prorettype, p.proretset
    FROM pg_proc p
    JOIN ns ON ns.oid = p.pronamespace
    WHERE p.prokind = 'f'
      AND NOT EXISTS (SELECT FROM members m
                      WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                        AND m.objid = p.oid)
), used(oid) AS (
    SELECT a.atttypid FROM pg_attribute a JOIN rels r ON r.oid = a.attrelid
    WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION SELECT t.oid FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
    UNION SELECT f.prorettype FROM funcs f
    UNION SELECT unnest(f.argtypes) FROM funcs f
), closure(oid) AS (
    SELECT oid FROM used
    UNION
    SELECT nxt.oid
    FROM closure c
    JOIN pg_type t ON t.oid = c.oid
    CROSS JOIN LATERAL (
        SELECT t.typelem UNION ALL SELECT t.typbasetype
        UNION ALL SELECT a.atttypid FROM pg_attribute a
                  WHERE a.attrelid = t.typrelid AND t.typrelid <> 0
                    AND a.attnum > 0 AND NOT a.attisdropped
    ) nxt(oid)
    WHERE nxt.oid <> 0
)
SELECT json_build_object(
    'schemas', (SELECT coalesce(json_agg(nspname ORDER BY nspname), '[]') FROM ns),
    'relations', (SELECT coalesce(json_agg(json_build_object(
        'oid', r.oid::int8, 'schema', r.nspname, 'name', r.relname, 'kind', r.relkind::text,
        'comment', obj_description(r.oid, 'pg_class'),
        'rows', r.reltuples::float8,
        'bytes', pg_total_relation_size(r.oid),
        'updatable', CASE WHEN r.relkind IN ('v', 'm') THEN pg_relation_is_updatable(r.oid, false) ELSE 28 END,
        'columns', (SELECT coalesce(json_agg(json_build_object(
                'name', a.attname, 'type', a.atttypid::int8,
                'type_sql', format_type(a.atttypid, a.atttypmod),
                'not_null', a.attnotnull, 'dims', a.attndims,
                'default', pg_get_expr(d.adbin, d.adrelid),
                'identity', a.attidentity::text, 'generated', a.attgenerated::text,
                'comment', col_description(r.oid, a.attnum)) ORDER BY a.attnum), '[]')
            FROM pg_attribute a
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped),
        'constraints', (SELECT coalesce(json_agg(json_build_object(
                'name', k.conname, 'kind', k.contype::text,
                'columns', (SELECT coalesce(json_agg(a.attname ORDER BY u.i), '[]')
                            FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n),
                'ref_schema', fn.nspname, 'ref_table', fc.relname,
                'ref_columns', (SELECT coalesce(json_agg(a.attname ORDER BY u.i), '[]')
                                FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                                JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n),
                'definition', pg_get_constraintdef(k.oid)) ORDER BY k.conname), '[]')
            FROM pg_constraint k
            LEFT JOIN pg_class fc ON fc.oid = k.confrelid
            LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
            WHERE k.conrelid = r.oid AND k.contype IN ('p', 'u', 'f', 'c', 'x')),
        'indexes', (SELECT coalesce(json_agg(json_build_object(
                'name', i.relname, 'definition', pg_get_indexdef(x.indexrelid),
                'bytes', pg_relation_size(x.indexrelid)) ORDER BY i.relname), '[]')
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = r.oid)
    ) ORDER BY r.nspname, r.relname), '[]') FROM rels r),
    'types', (SELECT coalesce(json_agg(json_build_object(
        'oid', t.oid::int8, 'schema', tn.nspname, 'name', t.typname,
        'kind', t.typtype::text, 'category', t.typcategory::text,
        'element', t.typelem::int8, 'base', t.typbasetype::int8, 'relation', t.typrelid::int8,
        'labels', CASE WHEN t.typtype = 'e' THEN
                      (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)
                       FROM pg_enum e WHERE e.enumtypid = t.oid) END,
        'fields', CASE WHEN t.typtype = 'c' AND tc.relkind = 'c' THEN
                      (SELECT coalesce(json_agg(json_build_object(
                                  'name', a.attname, 'type', a.atttypid::int8) ORDER BY a.attnum), '[]')
                       FROM pg_attribute a
                       WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
        'comment', obj_description(t.oid, 'pg_type')) ORDER BY t.oid), '[]')
        FROM closure c
        JOIN pg_type t ON t.oid = c.oid
        JOIN pg_namespace tn ON tn.oid = t.typnamespace
        LEFT JOIN pg_class tc ON tc.oid = t.typrelid),
    'functions', (SELECT coalesce(json_agg(json_build_object(
        'schema', f.nspname, 'name', f.proname,
        'args', (SELECT coalesce(json_agg(json_build_object(
                    'name', f.proargnames[u.i], 'type', u.t::int8,
                    'mode', coalesce(f.proargmodes[u.i]::text, 'i')) ORDER BY u.i), '[]')
                 FROM unnest(f.argtypes) WITH ORDINALITY u(t, i)),
        'defaults', f.pronargdefaults,
        'returns', f.prorettype::int8, 'retset', f.proretset,
        'comment', obj_description(f.oid, 'pg_proc')) ORDER BY f.nspname, f.proname, f.oid), '[]')
        FROM funcs f)
)::text
