-- The advisors only read: they work in a read-only transaction (and so on a standby).
BEGIN READ ONLY;
SELECT count(*) > 0 AS has_findings FROM advisor_findings;
SELECT count(*) >= 0 AS fk_view_works FROM advisor_missing_fk_indexes;
SELECT length(advisor_report()) > 0 AS report_works;
COMMIT;
