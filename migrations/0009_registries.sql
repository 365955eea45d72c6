-- 0009_registries: registries instead of redefinitions, so that what grows
-- per resource grows by a row or an argument, not by a copied function.
--
-- customer_visible() becomes part of the checksummed schema (`crm-server
-- migrate` checks its body against CRM_SQL_VISIBLE).

---------------------------------------------------------------------------
-- Who sees a customer, for the plpgsql functions (the reads inline the same
-- text, CRM_SQL_VISIBLE in lib/include/crm/resource.h). Until now `crm-server
-- migrate` installed it outside the migrations; from here on it is defined
-- by migrations, and migrate refuses a database whose body differs from the
-- macro's (whitespace aside). Changing the macro takes a migration that
-- redefines this function with the new text.

CREATE OR REPLACE FUNCTION customer_visible(p_owner uuid, p_user uuid, p_role text) RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT (p_role IN ('admin', 'assistant', 'finance', 'service') OR p_owner = p_user
       OR (p_role = 'manager' AND EXISTS (SELECT 1 FROM users vu JOIN teams vt
           ON vt.tenant_id = vu.tenant_id AND vt.id = vu.team_id WHERE vu.tenant_id = current_tenant()
           AND vu.id = p_owner AND vt.leader_id = p_user AND vt.deleted_at IS NULL))) $$;
