-- label: dangerous
-- reason: DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on orders and, with no lock_timeout, queues every query behind any running one.
-- unused since the dashboard rewrite
DROP INDEX orders_created_at_idx;
