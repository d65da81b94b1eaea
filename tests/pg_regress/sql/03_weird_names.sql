-- Spaces, quotes, capitals, unicode and reserved words: identities match
-- pg_identify_object and the generated DDL runs.
CREATE SCHEMA "Sales ""EU"" Dept";
CREATE TABLE "Sales ""EU"" Dept"."Customer" ("ID" int PRIMARY KEY);
CREATE TABLE "Sales ""EU"" Dept"."order" (
    "select" int,
    "Kunden Nr." int,
    "größe" int,
    CONSTRAINT "Order→Customer" FOREIGN KEY ("Kunden Nr.") REFERENCES "Sales ""EU"" Dept"."Customer",
    CONSTRAINT "user" FOREIGN KEY ("größe") REFERENCES "Sales ""EU"" Dept"."Customer"
);
CREATE TABLE "Sales ""EU"" Dept"."table" ("from" int REFERENCES "Sales ""EU"" Dept"."Customer");

SELECT f.object_identity,
       f.object_identity = (pg_identify_object('pg_constraint'::regclass, c.oid, 0)).identity
           AS matches_pg_identify_object,
       f.remediation
FROM advisor_findings f
JOIN pg_constraint c ON c.conrelid::regclass::text LIKE '"Sales ""EU"" Dept".%'
     AND c.contype = 'f'
     AND f.object_identity LIKE quote_ident(c.conname) || ' on %'
WHERE f.rule = 'missing_fk_index'
ORDER BY 1;

SELECT remediation FROM advisor_missing_fk_indexes
WHERE schema_name = 'Sales "EU" Dept' ORDER BY object_identity \gexec
SELECT count(*) AS still_missing FROM advisor_missing_fk_indexes
WHERE schema_name = 'Sales "EU" Dept';

-- exclude_schemas takes quoted names
CREATE TABLE "Sales ""EU"" Dept".later ("x" int REFERENCES "Sales ""EU"" Dept"."Customer");
SELECT count(*) FROM advisor_missing_fk_indexes WHERE schema_name = 'Sales "EU" Dept';
SET database_advisor.exclude_schemas = 'shop, "Sales ""EU"" Dept"';
SELECT count(*) FROM advisor_missing_fk_indexes WHERE schema_name = 'Sales "EU" Dept';
RESET database_advisor.exclude_schemas;
