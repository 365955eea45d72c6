-- 0012_accounts: what an access token must still agree with when it is used,
-- e-mail addresses in one normal form, and the last admin of a tenant kept.
--
-- users.auth_version: the version of a user's standing that every access token
-- carries (its `ver` claim). A new password, a deactivation or a change of role
-- adds one, so every token issued before no longer matches and is refused, to
-- the exact write (no clock is compared: a token minted in the same second but
-- after the change carries the new version and is accepted).

ALTER TABLE users ADD COLUMN auth_version integer NOT NULL DEFAULT 1;

-- The version is bookkeeping, not a change anyone made: the trail leaves it out.
CREATE OR REPLACE TRIGGER users_audit AFTER INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION audit_row('secret=password_hash', 'auth_version');

---------------------------------------------------------------------------
-- E-mail addresses are stored as the server looks them up: NFKC, then case
-- folded (the server normalises what it is sent the same way before storing,
-- looking up or counting sign-in attempts). Addresses that came through the
-- API are ASCII, where that is lower(); an address that would collide with
-- another user's of its tenant once normalised is left as it was (and named
-- in a notice) rather than merged: the older account keeps the address.
-- The owner role is subject to the tables' row-level security too (FORCE):
-- lifted for this one statement, inside the migration's transaction.

ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
DO $$
DECLARE
    kept record;
BEGIN
    FOR kept IN
        SELECT u.tenant_id, u.id, u.email FROM users u
         WHERE u.email <> lower(normalize(u.email, NFKC))
           AND EXISTS (SELECT 1 FROM users o WHERE o.tenant_id = u.tenant_id AND o.id <> u.id
                         AND lower(normalize(o.email, NFKC)) = lower(normalize(u.email, NFKC))
                         AND (o.created_at, o.id) < (u.created_at, u.id))
    LOOP
        RAISE NOTICE 'user % of tenant % keeps the e-mail address % as it was: normalised, it is another user''s',
            kept.id, kept.tenant_id, kept.email;
    END LOOP;
    UPDATE users u SET email = lower(normalize(u.email, NFKC))
     WHERE u.email <> lower(normalize(u.email, NFKC))
       AND NOT EXISTS (SELECT 1 FROM users o WHERE o.tenant_id = u.tenant_id AND o.id <> u.id
                         AND lower(normalize(o.email, NFKC)) = lower(normalize(u.email, NFKC))
                         AND (o.created_at, o.id) < (u.created_at, u.id));
END
$$;
ALTER TABLE users FORCE ROW LEVEL SECURITY;

---------------------------------------------------------------------------
-- user_update: the one way to change a user, by the write protocol (id,
-- version, document, outcome). p_patch holds the members to change (name,
-- role, team_id, active); p_hash a new password hash or NULL. A new password,
-- a deactivation or another role adds one to auth_version and revokes the
-- user's refresh tokens, in the same statement as the change.
--
-- A tenant keeps an active admin: demoting or deactivating its last one is
-- refused ('last_admin:role' / 'last_admin:active'). Every change of a role or
-- of `active` first locks the tenant's active admins, in id order, so that two
-- admins demoting each other at once take turns: the second one then counts
-- the first one's demotion and is refused.
CREATE FUNCTION user_update(p_tenant uuid, p_id uuid, p_patch jsonb, p_hash text, p_version integer)
RETURNS TABLE (id uuid, version integer, doc json, outcome text)
LANGUAGE plpgsql
AS $$
DECLARE
    target users;
    new_role text;
    new_active boolean;
BEGIN
    IF p_patch ? 'role' OR p_patch ? 'active' THEN
        PERFORM 1 FROM users a WHERE a.tenant_id = p_tenant AND a.role = 'admin' AND a.active
          ORDER BY a.id FOR UPDATE;
    END IF;
    SELECT * INTO target FROM users u WHERE u.tenant_id = p_tenant AND u.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT NULL::uuid, NULL::integer, NULL::json, 'missing'::text;
        RETURN;
    END IF;
    IF target.version <> p_version THEN
        RETURN QUERY SELECT NULL::uuid, NULL::integer, NULL::json, 'stale'::text;
        RETURN;
    END IF;
    new_role := CASE WHEN p_patch ? 'role' THEN p_patch ->> 'role' ELSE target.role END;
    new_active := CASE WHEN p_patch ? 'active' THEN (p_patch ->> 'active')::boolean ELSE target.active END;
    IF target.role = 'admin' AND target.active AND (new_role <> 'admin' OR NOT new_active)
       AND NOT EXISTS (SELECT 1 FROM users a WHERE a.tenant_id = p_tenant AND a.role = 'admin' AND a.active
                         AND a.id <> p_id) THEN
        RETURN QUERY SELECT NULL::uuid, NULL::integer, NULL::json,
            'last_admin:' || CASE WHEN new_role <> 'admin' THEN 'role' ELSE 'active' END;
        RETURN;
    END IF;
    UPDATE users u SET name = CASE WHEN p_patch ? 'name' THEN p_patch ->> 'name' ELSE u.name END,
           role = new_role,
           team_id = CASE WHEN p_patch ? 'team_id' THEN (p_patch ->> 'team_id')::uuid ELSE u.team_id END,
           active = new_active,
           password_hash = coalesce(p_hash, u.password_hash),
           auth_version = u.auth_version
               + CASE WHEN p_hash IS NOT NULL OR new_role <> target.role OR (target.active AND NOT new_active)
                      THEN 1 ELSE 0 END
     WHERE u.tenant_id = p_tenant AND u.id = p_id
    RETURNING u.* INTO target;
    IF p_hash IS NOT NULL OR NOT target.active THEN
        UPDATE refresh_tokens r SET revoked_at = now()
         WHERE r.tenant_id = p_tenant AND r.user_id = p_id AND r.revoked_at IS NULL;
    END IF;
    RETURN QUERY SELECT target.id, target.version, user_json(target), 'ok'::text;
END
$$;
