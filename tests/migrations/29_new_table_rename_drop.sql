-- label: safe
-- reason: the table is created by this migration, so renaming and dropping its columns breaks no running client.
CREATE TABLE coupons (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code      text NOT NULL UNIQUE,
    discount  numeric(5,2) NOT NULL,
    scratch   text
);
ALTER TABLE coupons RENAME COLUMN discount TO percent_off;
ALTER TABLE coupons DROP COLUMN scratch;
ALTER TABLE coupons RENAME TO promo_codes;
