-- Installed extensions, where they live, their version and the version CREATE EXTENSION
-- would install now (read from the control files: NULL when the control file is gone).
SELECT x.extname::text, x.extnamespace::int8, x.extrelocatable, x.extversion,
       a.default_version
FROM pg_extension x
LEFT JOIN pg_catalog.pg_available_extensions() a ON a.name = x.extname
