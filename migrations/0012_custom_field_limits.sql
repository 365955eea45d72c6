-- 0012_custom_field_limits: a customer's custom fields hold at most 200
-- members, as the contract says (CustomFields maxProperties). The server
-- refuses a body with more; a merge patch of PATCH /v1/customers adds to the
-- stored members, so the limit has to hold for the result, which only the
-- database sees: a CHECK, answered as a 422 on `custom`.
CREATE FUNCTION jsonb_member_count(j jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT count(*)::integer FROM jsonb_object_keys(j) $$;

ALTER TABLE customers ADD CONSTRAINT customers_custom_members CHECK (jsonb_member_count(custom) <= 200);
