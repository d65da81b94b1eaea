\set c random(1, 50000)
\set t random(0, 199)
\set o random(1, 500000)
SELECT id, total, created_at FROM orders WHERE customer_id = :c ORDER BY created_at DESC LIMIT 10;
SELECT id, region FROM customers WHERE lower(email) = lower('user' || :c || '@example.com');
SELECT id, run_at FROM pending_jobs ORDER BY run_at LIMIT 20;
SELECT count(*) FROM events WHERE tenant_id = :t AND created_at > now() - '1 hour'::interval;
SELECT o.id, o.total FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE c.region = 'r' || (:c % 20) AND o.status = 'open' AND o.created_at > now() - '2 days'::interval;
UPDATE orders SET total = total + 1 WHERE id = :o;
INSERT INTO events (tenant_id, kind, created_at, payload) VALUES (:t, 'k1', now(), 'x');
