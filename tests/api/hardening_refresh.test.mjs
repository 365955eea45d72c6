// hardening_refresh.test.mjs: a refresh that cannot be committed changes
// nothing. The rotation and the new refresh token are one transaction; when
// its COMMIT fails the client gets an error, its refresh token still works,
// and the tokens issued for the transaction that failed are released, not
// leaked (the sanitizer step of `make test` reads the server's LeakSanitizer
// report at exit, which is how a leak on this path shows).
//
// The commit is made to fail by a deferred constraint trigger, added as the
// owner role for this test's user only and dropped afterwards.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { signup, refresh, expectStatus, expectProblem } from './lib/client.mjs';

const OWNER_DB = process.env.CRM_TEST_OWNER_DB;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let T, owner;

before(async () => {
  assert.ok(OWNER_DB, 'CRM_TEST_OWNER_DB must be set (scripts/test.sh sets it)');
  T = await signup();
  owner = new pg.Client({ connectionString: OWNER_DB });
  await owner.connect();
});

after(async () => {
  if (!owner) return;
  await owner.query('DROP TRIGGER IF EXISTS hardening_refuse_commit ON refresh_tokens');
  await owner.query('DROP FUNCTION IF EXISTS hardening_refuse_commit()');
  await owner.end();
});

async function refuseCommitsFor(userId) {
  assert.match(userId, UUID); // it is spliced into DDL, which takes no parameters
  await owner.query(`CREATE FUNCTION hardening_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'refused at commit by hardening_refresh.test.mjs'; END $$`);
  await owner.query(`CREATE CONSTRAINT TRIGGER hardening_refuse_commit AFTER INSERT ON refresh_tokens
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.user_id = '${userId}'::uuid)
    EXECUTE FUNCTION hardening_refuse_commit()`);
}

async function acceptCommits() {
  await owner.query('DROP TRIGGER hardening_refuse_commit ON refresh_tokens');
  await owner.query('DROP FUNCTION hardening_refuse_commit()');
}

describe('a refresh whose commit fails', () => {
  test('answers 500, and the refresh token it presented still works afterwards', async () => {
    await refuseCommitsFor(T.user.id);
    let failed;
    try {
      failed = await refresh(T.refresh);
    } finally {
      await acceptCommits();
    }
    expectProblem(failed, 500);
    assert.equal(failed.body.access_token, undefined, 'no token is handed out for a refresh that did not happen');

    const again = expectStatus(await refresh(T.refresh), 200, 'the same refresh token once commits work again');
    assert.ok(again.body.refresh_token && again.body.refresh_token !== T.refresh, 'it rotates as usual');
  });
});
