-- label: safe
-- reason: the function is only defined (its body runs later, per row), and the trigger on orders takes a brief SHARE ROW EXCLUSIVE under a lock_timeout.
CREATE OR REPLACE FUNCTION orders_touch() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
    -- keep shipped_at in step with the status; runs for the row being written only
    IF NEW.status = 'shipped' AND NEW.shipped_at IS NULL THEN
        NEW.shipped_at := now();
    END IF;
    RETURN NEW;
END;
$body$;

SET lock_timeout = '5s';
CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF status ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_touch();
