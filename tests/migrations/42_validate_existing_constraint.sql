-- label: safe
-- reason: VALIDATE CONSTRAINT of the NOT VALID check added earlier takes SHARE UPDATE EXCLUSIVE only, so reads and writes go on.
ALTER TABLE orders VALIDATE CONSTRAINT orders_status_known;
