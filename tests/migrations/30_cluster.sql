-- label: dangerous
-- reason: CLUSTER rewrites the 300,000-row table and its indexes under ACCESS EXCLUSIVE.
-- physically order orders by creation time for the reporting queries
CLUSTER orders USING orders_created_at_idx;
