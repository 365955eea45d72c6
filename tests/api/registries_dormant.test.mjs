// registries_dormant.test.mjs: one definition of "dormant" at the boundary.
// A customer is dormant once its last contact fell on dormant_after_days or
// more calendar days before today, in the organization's time zone: the
// agenda lists it from that day on, and the dormant sweep (every
// CRM_SWEEP_SECONDS) marks it on that same day — not a day later, as when the
// sweep counted the days as 24-hour periods back from now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, signup, createCustomer, expectStatus, ifMatch, sleep, uniq } from './lib/client.mjs';

const DAYS = 5;

/** A fixed-offset zone in which it is around noon now, so that no day boundary is near. */
function zoneNearNoon() {
  const offset = 12 - new Date().getUTCHours(); // hours east of UTC, -11..12
  return { zone: offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`, offset };
}

/** The instant of local day `today` + `days` at hh:mm:ss in a zone `offset` hours east of UTC. */
function localInstant(today, days, [hh, mm, ss], offset) {
  const [y, m, d] = today.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days, hh, mm, ss) - offset * 3600e3).toISOString();
}

async function eventually(fn, what, ms = 10000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) assert.fail(`timed out waiting for: ${what}`);
    await sleep(200);
  }
}

test('the agenda and the sweep agree on the day a customer becomes dormant', async () => {
  const U = await signup();
  const { zone, offset } = zoneNearNoon();
  const settings = expectStatus(await api('GET', '/v1/tenant', { token: U.token }), 200).body;
  expectStatus(await api('PATCH', '/v1/tenant', {
    token: U.token,
    headers: ifMatch(settings),
    body: { timezone: zone, dormant_after_days: DAYS },
  }), 200, `settings ${zone}`);
  const today = expectStatus(await api('GET', '/v1/agenda', { token: U.token }), 200).body.date;

  // Last contacted late on the day DAYS calendar days ago: dormant today,
  // though fewer than DAYS × 24 hours have passed.
  const lateThatDay = await createCustomer(U.token, { name: `Quiet since late ${uniq()}`, status: 'active' });
  // Last contacted at the very start of the next day: not dormant before tomorrow.
  const nextMorning = await createCustomer(U.token, { name: `Quiet since morning ${uniq()}`, status: 'active' });
  for (const [c, at] of [
    [lateThatDay, localInstant(today, -DAYS, [23, 59, 59], offset)],
    [nextMorning, localInstant(today, -DAYS + 1, [0, 0, 0], offset)],
  ]) {
    const r = await api('POST', '/v1/contact-records', {
      token: U.token,
      body: { customer_id: c.id, kind: 'visit', direction: 'outbound', occurred_at: at },
    });
    expectStatus(r, 201, 'record a contact');
  }

  const dormantOnAgenda = async () =>
    expectStatus(await api('GET', '/v1/agenda', { token: U.token }), 200).body.items.filter((i) => i.kind === 'dormant');
  const listed = await dormantOnAgenda();
  assert.deepEqual(listed.map((i) => [i.customer_id, i.detail]), [[lateThatDay.id, `no contact for ${DAYS} days`]],
    'the agenda lists exactly the customer whose last contact fell on the boundary day');

  const status = async (c) => expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: U.token }), 200).body.status;
  await eventually(async () => (await status(lateThatDay)) === 'dormant', 'the sweep marks the customer the agenda lists');
  await sleep(2500); // two more sweeps
  assert.equal(await status(nextMorning), 'active', 'the sweep leaves the customer the agenda does not list');
  assert.deepEqual((await dormantOnAgenda()).map((i) => i.customer_id), [lateThatDay.id]);
});
