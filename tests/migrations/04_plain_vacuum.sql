-- label: safe
-- reason: plain VACUUM and ANALYZE take SHARE UPDATE EXCLUSIVE and run outside a transaction, so reads and writes go on.
-- after the archive job: make the space reusable and refresh statistics
VACUUM (ANALYZE) orders;
