-- Installed extensions and where they live.
SELECT x.extname::text, x.extnamespace::int8, x.extrelocatable FROM pg_extension x
