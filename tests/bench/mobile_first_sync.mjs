// How long the field-sales app takes to fill a new phone, and how fast its
// offline search answers, on loopback (DESIGN §7, issue 11: first sync of
// 5,000 customers with their history under 10 s; search answers while typing).
//
// Seeds one salesperson's year: BENCH_MOBILE_CUSTOMERS customers (5,000), two
// contact persons each and ten contact records each, written by SQL through
// the owner's connection in the order a year of use would have written them
// (every record also moves its customer's last contact, so the feed holds the
// customer's updates too, as it would). Then, in Chromium with a phone's
// screen: from the sign-in button to the first complete sync (the sync
// engine's dataset.sync back to idle with a synced time, and every row in
// IndexedDB), split into the time the server took for the /v1/changes pages
// and the rest (the phone applying them); then the same feed read alone by a
// plain client (the server's cost by itself); then, offline, the time from the
// last key typed into the search box to the customer shown.
// Prints the figures; asserts nothing but that the copy is complete.
//   CRM_E2E_URL         the server serving the app (and the API)
//   CRM_TEST_OWNER_DB   the database owner's URL (for the seed)
// Run by hand: cd tests && CRM_E2E_URL=… CRM_TEST_OWNER_DB=… node bench/mobile_first_sync.mjs
import pg from 'pg';
import { addUser, signup } from '../api/lib/client.mjs';
import { APP, launch } from '../e2e/lib/browser.mjs';

const CUSTOMERS = Number(process.env.BENCH_MOBILE_CUSTOMERS ?? 5000);
const CONTACTS_EACH = 2;
const RECORDS_EACH = 10;
const SEARCHES = Number(process.env.BENCH_MOBILE_SEARCHES ?? 10);
const OWNER_DB = process.env.CRM_TEST_OWNER_DB;
if (!OWNER_DB) {
  console.error('mobile_first_sync: set CRM_TEST_OWNER_DB to the database owner\'s URL (it seeds through it)');
  process.exit(2);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** The customers' names: Chinese and Latin, like a real book of business; number `i` is unique. */
const CITIES = ['上海', '杭州', '南京', '苏州', '宁波', '无锡', '合肥', '温州', '常州', '嘉兴'];
const TRADES = ['机电', '精密', '化工', '纺织', '电子', '物流', '包装', '五金', '医疗器械', '建材'];
const nameOf = (i) => (i % 4 === 3 ? `Eastern Trading ${i} Ltd` : `${CITIES[i % 10]}${TRADES[Math.floor(i / 10) % 10]}有限公司 ${i}`);

/** One salesperson's year, by SQL as the owner: the customers and their
 * contact persons, then the records one tenth of the year at a time (each in
 * a transaction of its own; statistics are taken once the tables have rows,
 * as the triggers' queries are planned on them: on an empty table's figures
 * each record's trigger would scan every record before it). The audit triggers are off inside each transaction
 * only: a seed is nobody's change. */
async function seed(tenantId, userId) {
  const db = new pg.Client({ connectionString: OWNER_DB });
  await db.connect();
  const t0 = Date.now();
  const step = async (sql, params, analyze) => {
    const t = Date.now();
    await db.query('BEGIN');
    try {
      for (const t of ['customers', 'contacts', 'contact_records']) await db.query(`ALTER TABLE ${t} DISABLE TRIGGER ${t}_audit`);
      await db.query(sql, params);
      for (const t of ['customers', 'contacts', 'contact_records']) await db.query(`ALTER TABLE ${t} ENABLE TRIGGER ${t}_audit`);
      await db.query('COMMIT');
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    const t1 = Date.now();
    if (analyze) await db.query(`ANALYZE ${analyze}`);
    if (process.env.BENCH_MOBILE_VERBOSE) console.log(`  seed step ${t1 - t} ms, analyze ${Date.now() - t1} ms`);
  };
  try {
    await db.query('SELECT set_config($1, $2, false)', ['app.tenant_id', tenantId]);
    await step(
      `INSERT INTO customers (tenant_id, name, owner_id, kind, status, category, industry, region, address, phone, email, lat, lon, created_at)
       SELECT $1, CASE WHEN g % 4 = 3 THEN 'Eastern Trading ' || g || ' Ltd'
                       ELSE (ARRAY['上海','杭州','南京','苏州','宁波','无锡','合肥','温州','常州','嘉兴'])[g % 10 + 1]
                         || (ARRAY['机电','精密','化工','纺织','电子','物流','包装','五金','医疗器械','建材'])[(g / 10) % 10 + 1]
                         || '有限公司 ' || g END,
              $2, 'company', (ARRAY['active','active','prospect','lead','dormant'])[g % 5 + 1], (ARRAY['A','B','C'])[g % 3 + 1],
              (ARRAY['制造','贸易','物流','医疗'])[g % 4 + 1], '华东', '浦东新区张江路 ' || g || ' 号',
              '+86 21 ' || lpad(g::text, 8, '0'), 'buyer' || g || '@example.com',
              31.2 + (g % 100) / 1000.0, 121.5 + (g % 77) / 1000.0, now() - interval '400 days' + g * interval '1 minute'
         FROM generate_series(0, $3::int - 1) AS g`,
      [tenantId, userId, CUSTOMERS],
      'customers',
    );
    await step(
      `INSERT INTO contacts (tenant_id, customer_id, name, title, mobile, email, birthday, is_primary, created_at)
       SELECT c.tenant_id, c.id, (ARRAY['王','李','张','刘','陈','杨','赵','黄'])[(row_number() OVER ()) % 8 + 1] || '经理 ' || k,
              (ARRAY['采购经理','总经理'])[k], '+86 139 ' || lpad((abs(hashtext(c.id::text || k)) % 100000000)::text, 8, '0'),
              'contact' || k || '.' || left(c.id::text, 8) || '@example.com',
              date '1970-01-01' + (abs(hashtext(c.id::text)) % 12000), k = 1, c.created_at + k * interval '1 hour'
         FROM customers c CROSS JOIN generate_series(1, $2::int) AS k
        WHERE c.tenant_id = $1 ORDER BY c.created_at, k`,
      [tenantId, CONTACTS_EACH],
      'contacts',
    );
    // A year of records, oldest first across all customers, as they were made:
    // the k-th record of every customer falls in the k-th tenth of the year.
    for (let k = 1; k <= RECORDS_EACH; k++) {
      await step(
        `INSERT INTO contact_records (tenant_id, customer_id, contact_id, kind, occurred_at, subject, summary, next_contact_at, owner_id)
         SELECT c.tenant_id, c.id, ct.id, (ARRAY['call','visit','im','email','call'])[$3::int % 5 + 1], at,
                '第 ' || $3 || ' 次跟进', '沟通了新一季的采购计划，客户希望下周收到报价单；约定再次拜访。Follow-up ' || $3,
                at + interval '14 days', $2
           FROM customers c
           CROSS JOIN LATERAL (SELECT now() - interval '365 days'
                                      + (($3::int - 1) * 36 + abs(hashtext(c.id::text)) % 36) * interval '1 day' + interval '9 hours' AS at) t
           LEFT JOIN LATERAL (SELECT id FROM contacts WHERE tenant_id = c.tenant_id AND customer_id = c.id AND is_primary) ct ON true
          WHERE c.tenant_id = $1 ORDER BY at`,
        [tenantId, userId, k],
        k === 1 ? 'contact_records' : k === RECORDS_EACH ? 'customers, contacts, contact_records, changes' : undefined,
      );
    }
    const { rows } = await db.query('SELECT count(*)::int AS changes FROM changes WHERE tenant_id = $1', [tenantId]);
    return { ms: Date.now() - t0, changes: rows[0].changes };
  } finally {
    await db.end();
  }
}

/** BENCH_MOBILE_PROFILE=<ms>: where the phone spends that long of the sync
 * (a CPU profile of the page, the functions with the most time of their own). */
const PROFILE_MS = Number(process.env.BENCH_MOBILE_PROFILE ?? 0);
async function profile(page, ms) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  await page.waitForTimeout(ms);
  const { profile: p } = await cdp.send('Profiler.stop');
  const self = new Map();
  const dt = p.timeDeltas ?? [];
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  (p.samples ?? []).forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 15);
  console.log(`profile of ${ms} ms of the sync (self time):`);
  for (const [k, v] of top) console.log(`  ${v.toFixed(0).padStart(6)} ms  ${k}`);
}

/** Row counts of the app's IndexedDB copy. */
function copyCounts(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('crm-mobile');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const names = ['customers', 'contacts', 'records'];
          const tx = db.transaction(names, 'readonly');
          const counts = {};
          for (const n of names) {
            const r = tx.objectStore(n).count();
            r.onsuccess = () => (counts[n] = r.result);
          }
          tx.oncomplete = () => (db.close(), resolve(counts));
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

const org = await signup({ name: 'Bench Admin' });
const sales = await addUser(org, 'sales', { name: '外勤 王' });
console.log(`seeding ${CUSTOMERS} customers, ${CUSTOMERS * CONTACTS_EACH} contacts, ${CUSTOMERS * RECORDS_EACH} contact records…`);
const seeded = await seed(org.tenant.id, sales.user.id);
console.log(`seeded in ${secs(seeded.ms)}; the feed holds ${seeded.changes} changes for this salesperson`);
if (process.env.BENCH_MOBILE_VERBOSE) console.log(`  signed in as ${sales.email} / ${sales.password} of ${org.slug}`);

/** Every page of /v1/changes for `token`, 1,000 at a time, as the phone asks for them. */
async function feedAlone(token) {
  const each = [];
  const t0 = performance.now();
  for (let cursor = ''; ; ) {
    const t = performance.now();
    const r = await fetch(`${APP}/v1/changes?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (r.status !== 200) throw new Error(`GET /v1/changes: ${r.status}`);
    const page = await r.json();
    each.push(performance.now() - t);
    if (page.data.length === 0) break;
    cursor = page.next_cursor;
  }
  return { pages: each.length, ms: performance.now() - t0, each };
}

const browser = await launch();
try {
  const context = await browser.newContext({
    locale: 'zh-CN',
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(120000);
  const page = await context.newPage();
  const pages = [];
  page.on('requestfinished', (req) => {
    if (!req.url().includes('/v1/changes')) return;
    const t = req.timing();
    // From sending the request to the last byte: the server's work and the transfer.
    pages.push(t.responseEnd - t.requestStart);
  });

  await page.goto(`${APP}/m/`);
  await page.getByLabel(/组织代码|Organization/).fill(org.slug);
  await page.getByLabel(/邮箱|Email/).fill(sales.email);
  await page.getByLabel(/密码|Password/).fill(sales.password);
  const t0 = Date.now();
  await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
  await page.waitForFunction(() => document.documentElement.dataset.sync === 'syncing');
  if (PROFILE_MS > 0) await profile(page, PROFILE_MS);
  await page.waitForFunction(() => {
    const d = document.documentElement.dataset;
    return d.sync === 'idle' && !!d.syncedAt;
  }, null, { timeout: 300000, polling: 50 });
  const firstSync = Date.now() - t0;
  const counts = await copyCounts(page);
  const want = { customers: CUSTOMERS, contacts: CUSTOMERS * CONTACTS_EACH, records: CUSTOMERS * RECORDS_EACH };
  if (JSON.stringify(counts) !== JSON.stringify(want)) {
    console.error(`the copy is not complete: ${JSON.stringify(counts)}, expected ${JSON.stringify(want)}`);
    process.exitCode = 1;
  }
  const server = pages.reduce((a, b) => a + b, 0);
  console.log(`first sync: ${secs(firstSync)} from the sign-in button to the last page applied (target < 10 s)`);
  console.log(
    `  /v1/changes: ${pages.length} pages, ${secs(server)} waiting for the server (median ${median(pages).toFixed(0)} ms a page); ` +
      `${secs(firstSync - server)} on the phone (sign-in, applying the pages to IndexedDB)`,
  );

  // The same feed read by a plain client, nothing else running: what the
  // server costs by itself. On loopback the phone's work above shares the
  // machine's two cores with the server's; on a real phone it does not.
  const alone = await feedAlone(sales.token);
  console.log(
    `  the same feed read alone by a plain client: ${alone.pages} pages in ${secs(alone.ms)} (median ${median(alone.each).toFixed(0)} ms a page)`,
  );

  // Offline search: the last key of a query to the customer shown.
  await context.setOffline(true);
  await page.goto(`${APP}/m/customers`);
  const box = page.getByRole('searchbox').first();
  await box.waitFor();
  const answers = [];
  for (let s = 0; s < SEARCHES; s++) {
    const i = Math.floor(((s + 0.5) * CUSTOMERS) / SEARCHES);
    const name = nameOf(i);
    const query = i % 4 === 3 ? `trading ${i}` : `${CITIES[i % 10]}${TRADES[Math.floor(i / 10) % 10]} ${i}`;
    await box.fill('');
    await box.pressSequentially(query.slice(0, -1));
    const t = Date.now();
    await box.press(query.slice(-1));
    await page.getByText(name, { exact: true }).first().waitFor({ state: 'visible' });
    answers.push(Date.now() - t);
  }
  console.log(
    `offline search among ${CUSTOMERS} customers: the last key to the customer shown, median ${median(answers)} ms, max ${Math.max(...answers)} ms (${SEARCHES} queries)`,
  );
  await context.close();
} finally {
  await browser.close();
}
