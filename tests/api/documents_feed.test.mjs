// documents_feed.test.mjs: quotations, contracts and shipments as documents —
// the PDF (its text read back with pdftotext) and CSV renderings of
// GET /v1/quotations|contracts|shipments/{id}, checked against the spec like
// every other answer, JSON by default — and contracts and shipments in the
// change feed: seen by those who see their customer, not by a colleague, and
// re-announced by a transfer.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  api,
  BASE,
  signup,
  addUser,
  createCustomer,
  expectStatus,
  expectProblem,
  ifMatch,
  qs,
  sleep,
  drain,
  drainUntil,
} from './lib/client.mjs';
import { checkResponse } from './lib/spec.mjs';

const CUSTOMER_NAME = '上海华联贸易有限公司';

let T, S1, S2;

before(async () => {
  T = await signup();
  S1 = await addUser(T, 'sales');
  S2 = await addUser(T, 'sales');
});

// --- documents -------------------------------------------------------------------

/**
 * GET `path` and keep the body's bytes (api() decodes the body as text, which
 * loses a PDF's bytes and a CSV's byte order mark). `accept` undefined sends no
 * Accept header at all (fetch would send one of its own). The answer is
 * checked against the spec like api() does: for the PDF and CSV renderings the
 * body is checked as text against the PdfDocument/CsvDocument schemas.
 */
function getRaw(path, token, accept) {
  const url = new URL(BASE + path);
  const headers = { authorization: `Bearer ${token}` };
  if (accept !== undefined) headers.accept = accept;
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 30000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        const ct = (h.get('content-type') ?? '').split(';')[0].trim();
        // latin1 keeps every byte of a PDF as one character; CSV and JSON are UTF-8.
        const text = bytes.toString(ct === 'application/pdf' ? 'latin1' : 'utf8');
        let body = text;
        if (ct === 'application/json' || ct.endsWith('+json')) body = JSON.parse(text);
        const out = { status: res.statusCode, headers: h, body, text, bytes };
        try {
          checkResponse('GET', path, out);
        } catch (err) {
          reject(err);
          return;
        }
        resolve(out);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
  });
}

let workDir;
before(() => {
  workDir = mkdtempSync(join(tmpdir(), 'crm-documents-'));
});
after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The text of a PDF as poppler's pdftotext reads it (layout kept). */
function pdfText(bytes, name) {
  const file = join(workDir, `${name}.pdf`);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

/** GET `path` as a PDF: 200, application/pdf, inline, a real PDF; returns its text. */
async function getPdf(path, token, name) {
  const r = expectStatus(await getRaw(path, token, 'application/pdf'), 200, `PDF of ${path}`);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.match(r.headers.get('content-disposition'), /^inline; filename="[^"]+\.pdf"$/);
  assert.equal(r.headers.get('vary'), 'Accept');
  assert.equal(r.bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  return pdfText(r.bytes, name);
}

/** GET `path` as CSV: 200, text/csv, a BOM, CRLF line ends; returns the rows (cells not unquoted). */
async function getCsv(path, token) {
  const r = expectStatus(await getRaw(path, token, 'text/csv'), 200, `CSV of ${path}`);
  assert.match(r.headers.get('content-type'), /^text\/csv(;|$)/);
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="[^"]+\.csv"$/);
  assert.deepEqual([...r.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte order mark opens the file');
  const text = r.bytes.subarray(3).toString('utf8');
  assert.ok(text.endsWith('\r\n'), 'the last row ends with CRLF');
  assert.doesNotMatch(text.replace(/\r\n/g, ''), /[\r\n]/, 'every line ends with CRLF, none with a bare LF or CR');
  return text.slice(0, -2).split('\r\n');
}

describe('documents: PDF and CSV through the API', () => {
  let C, Q, K, S;

  before(async () => {
    C = await createCustomer(S1.token, { name: CUSTOMER_NAME });
    const q = await api('POST', '/v1/quotations', {
      token: S1.token,
      body: {
        customer_id: C.id,
        currency: 'CNY',
        lines: [
          { description: '不锈钢六角螺栓 M8×40', quantity: '1200', unit: '个', unit_price: '0.125', tax_rate: '13' },
          { description: '安装服务（上门）', quantity: '2.5', unit: '小时', unit_price: '380', discount_percent: '10', tax_rate: '6' },
          { description: 'Freight', quantity: '1', unit_price: '250', tax_rate: '9' },
        ],
      },
    });
    Q = expectStatus(q, 201, 'create quotation').body;
    // 150.00 + 19.50 = 169.50; 855.00 + 51.30 = 906.30; 250.00 + 22.50 = 272.50
    assert.equal(Q.gross_total, '1348.30');

    K = expectStatus(
      await api('POST', '/v1/contracts', {
        token: S1.token,
        body: {
          customer_id: C.id,
          delivery_due: '2031-06-30',
          lines: [
            { description: '不锈钢六角螺栓 M8×40', quantity: '1000', unit: '个', unit_price: '0.125', tax_rate: '13' },
            { description: '镀锌垫片 Φ8', quantity: '500', unit: '个', unit_price: '0.04', tax_rate: '13' },
          ],
          // 141.25 + 22.60 = 163.85, paid in two
          installments: [
            { due_date: '2031-05-31', amount: '50.00' },
            { due_date: '2031-07-31', amount: '113.85' },
          ],
        },
      }),
      201,
      'create contract',
    ).body;
    assert.equal(K.gross_total, '163.85');
    expectStatus(await api('POST', `/v1/contracts/${K.id}/activate`, { token: S1.token }), 200, 'activate');
    S = expectStatus(
      await api('POST', '/v1/shipments', {
        token: S1.token,
        body: {
          contract_id: K.id,
          warehouse: '上海浦东仓',
          carrier: '顺丰速运',
          lines: [{ contract_line_id: K.lines[0].id, quantity: '400' }],
        },
      }),
      201,
      'create shipment',
    ).body;
  });

  test('a quotation as PDF shows the Chinese customer name, its number and gross total', async () => {
    const text = await getPdf(`/v1/quotations/${Q.id}`, S1.token, 'quotation');
    assert.ok(text.includes(CUSTOMER_NAME), `the customer's name is in the PDF text:\n${text}`);
    assert.ok(text.includes(Q.number), `the number ${Q.number} is in the PDF text`);
    assert.ok(text.includes(Q.gross_total), `the gross total ${Q.gross_total} is in the PDF text:\n${text}`);
    assert.ok(text.includes('不锈钢六角螺栓'), 'the Chinese line description is in the PDF text');
  });

  test('a contract as PDF shows the customer, its number, total and payment plan', async () => {
    const text = await getPdf(`/v1/contracts/${K.id}`, S1.token, 'contract');
    assert.ok(text.includes(CUSTOMER_NAME), `the customer's name is in the PDF text:\n${text}`);
    assert.ok(text.includes(K.number));
    assert.ok(text.includes(K.gross_total), `the gross total ${K.gross_total} is in the PDF text:\n${text}`);
    assert.match(text, /Payment plan/);
    for (const [date, amount] of [['2031-05-31', '50.00'], ['2031-07-31', '113.85']]) {
      assert.match(text, new RegExp(`${date}\\s+${amount.replace('.', '\\.')}`), `installment ${date} ${amount}:\n${text}`);
    }
  });

  test('a shipment as PDF is a delivery note with the Chinese line description', async () => {
    const text = await getPdf(`/v1/shipments/${S.id}`, S1.token, 'shipment');
    assert.match(text, /送货单|Delivery note/);
    assert.ok(text.includes(S.number), `the shipment's number ${S.number} is in the PDF text`);
    assert.ok(text.includes(CUSTOMER_NAME), `the customer's name is in the PDF text:\n${text}`);
    assert.ok(text.includes('不锈钢六角螺栓 M8×40'), `the line's description is in the PDF text:\n${text}`);
    assert.ok(!text.includes('镀锌垫片'), 'a contract line not shipped is not on the delivery note');
  });

  test('CSV: a BOM, CRLF, a header row and one row per line', async () => {
    const quotation = await getCsv(`/v1/quotations/${Q.id}`, S1.token);
    assert.equal(quotation.length, 1 + Q.lines.length);
    assert.match(quotation[0], /^#,/, 'the header row opens with "#"');
    assert.match(quotation[0], /Description/);
    assert.match(quotation[0], /Gross/);
    Q.lines.forEach((l, i) => {
      const row = quotation[i + 1];
      assert.ok(row.startsWith(`${l.line_no},`), `row ${i + 1} is line ${l.line_no}: ${row}`);
      assert.ok(row.includes(l.description), `row ${i + 1} has the description: ${row}`);
      assert.ok(row.endsWith(`,${l.gross}`), `row ${i + 1} ends with the gross ${l.gross}: ${row}`);
    });

    const contract = await getCsv(`/v1/contracts/${K.id}`, S1.token);
    assert.equal(contract.length, 1 + K.lines.length);
    assert.ok(contract[2].includes('镀锌垫片 Φ8'));

    const shipment = await getCsv(`/v1/shipments/${S.id}`, S1.token);
    assert.equal(shipment.length, 1 + S.lines.length);
    assert.ok(shipment[1].includes('不锈钢六角螺栓 M8×40'));
    assert.ok(shipment[1].includes('400'));
  });

  test('JSON when Accept is absent, */* or prefers JSON; a colleague gets 404 in every format', async () => {
    for (const [path, doc] of [[`/v1/quotations/${Q.id}`, Q], [`/v1/contracts/${K.id}`, K], [`/v1/shipments/${S.id}`, S]]) {
      for (const accept of [undefined, '*/*', 'application/json', 'application/json, application/pdf;q=0.5']) {
        const r = expectStatus(await getRaw(path, S1.token, accept), 200, `GET ${path} Accept ${accept}`);
        assert.equal(r.headers.get('content-type').split(';')[0], 'application/json', `Accept: ${accept}`);
        assert.equal(r.body.id, doc.id);
        assert.equal(r.body.number, doc.number);
        assert.match(r.headers.get('etag'), /^"[0-9]+"$/);
        assert.equal(r.headers.get('content-disposition'), null);
      }
      for (const accept of ['application/pdf', 'text/csv']) {
        expectProblem(await api('GET', path, { token: S2.token, headers: { accept } }), 404);
      }
    }
  });
});

// --- the change feed -----------------------------------------------------------

/** The last item about (entity, id) in `items`. */
const last = (items, entity, id) => items.filter((x) => x.entity === entity && x.id === id).at(-1);
const about = (entity, id, check) => (items) => {
  const it = last(items, entity, id);
  return it !== undefined && check(it);
};

describe('contracts and shipments in the change feed', () => {
  const colleagueSawNothing = async (cursor, entityIds) => {
    const seen = (await drain(S2.token, cursor)).items.filter((x) => entityIds.includes(x.id));
    assert.deepEqual(seen, [], 'a colleague who cannot see the customer gets none of it');
  };

  test('creating, changing and cancelling a contract and a shipment reach the owner, not a colleague', async () => {
    const C = await createCustomer(S1.token);
    let s1 = (await drain(S1.token)).cursor;
    const s2 = (await drain(S2.token)).cursor;

    // A contract is created ...
    let k = expectStatus(
      await api('POST', '/v1/contracts', {
        token: S1.token,
        body: { customer_id: C.id, lines: [{ description: '螺栓', quantity: '10', unit_price: '2.50' }] },
      }),
      201,
    ).body;
    let got = await drainUntil(S1.token, s1, about('contract', k.id, (x) => x.op === 'upsert'), 'the new contract');
    assert.deepEqual(last(got.items, 'contract', k.id).data, k, 'the item carries the contract as GET returns it');
    s1 = got.cursor;

    // ... changed ...
    k = expectStatus(await api('PATCH', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(k), body: { notes: '加急 urgent' } }), 200).body;
    got = await drainUntil(S1.token, s1, about('contract', k.id, (x) => x.data?.notes === '加急 urgent'), 'the changed contract');
    s1 = got.cursor;
    k = expectStatus(await api('POST', `/v1/contracts/${k.id}/activate`, { token: S1.token }), 200).body;
    got = await drainUntil(S1.token, s1, about('contract', k.id, (x) => x.data?.status === 'active'), 'the active contract');
    s1 = got.cursor;

    // ... a shipment is made: it arrives, and so does the contract it shipped from ...
    let s = expectStatus(
      await api('POST', '/v1/shipments', { token: S1.token, body: { contract_id: k.id, lines: [{ contract_line_id: k.lines[0].id, quantity: '4' }] } }),
      201,
    ).body;
    got = await drainUntil(
      S1.token,
      s1,
      (items) => about('shipment', s.id, (x) => x.op === 'upsert')(items) &&
        about('contract', k.id, (x) => x.data?.lines[0].quantity_shipped === '4.000')(items),
      'the shipment and the shipped quantity',
    );
    assert.equal(last(got.items, 'shipment', s.id).data.customer_id, C.id);
    assert.deepEqual(last(got.items, 'shipment', s.id).data, s);
    s1 = got.cursor;

    // ... changed, then cancelled, which gives the quantity back ...
    s = expectStatus(await api('PATCH', `/v1/shipments/${s.id}`, { token: S1.token, headers: ifMatch(s), body: { carrier: '顺丰速运' } }), 200).body;
    got = await drainUntil(S1.token, s1, about('shipment', s.id, (x) => x.data?.carrier === '顺丰速运'), 'the changed shipment');
    s1 = got.cursor;
    expectStatus(await api('POST', `/v1/shipments/${s.id}/cancel`, { token: S1.token }), 200);
    got = await drainUntil(
      S1.token,
      s1,
      (items) => about('shipment', s.id, (x) => x.data?.status === 'cancelled')(items) &&
        about('contract', k.id, (x) => x.data?.lines[0].quantity_shipped === '0.000')(items),
      'the cancelled shipment',
    );
    s1 = got.cursor;

    // ... and the contract is cancelled; a deleted draft arrives as a delete.
    expectStatus(await api('POST', `/v1/contracts/${k.id}/cancel`, { token: S1.token }), 200);
    got = await drainUntil(S1.token, s1, about('contract', k.id, (x) => x.data?.status === 'cancelled'), 'the cancelled contract');
    s1 = got.cursor;
    const d = expectStatus(
      await api('POST', '/v1/contracts', { token: S1.token, body: { customer_id: C.id, lines: [{ description: 'x', quantity: '1', unit_price: '1' }] } }),
      201,
    ).body;
    expectStatus(await api('DELETE', `/v1/contracts/${d.id}`, { token: S1.token, headers: ifMatch(d) }), 204);
    got = await drainUntil(S1.token, s1, about('contract', d.id, (x) => x.op === 'delete'), 'the deleted contract');
    assert.equal(last(got.items, 'contract', d.id).data, null);

    // The admin sees them too; the colleague nothing.
    const admin = (await drain(T.token)).items;
    assert.ok(last(admin, 'contract', k.id) && last(admin, 'shipment', s.id));
    await colleagueSawNothing(s2, [C.id, k.id, s.id, d.id]);
  });

  test('a transfer re-announces the customer\'s contracts and shipments to the new owner', async () => {
    const C = await createCustomer(S1.token);
    const k = expectStatus(
      await api('POST', '/v1/contracts', {
        token: S1.token,
        body: { customer_id: C.id, lines: [{ description: '垫片', quantity: '5', unit_price: '1.20' }] },
      }),
      201,
    ).body;
    expectStatus(await api('POST', `/v1/contracts/${k.id}/activate`, { token: S1.token }), 200);
    const s = expectStatus(await api('POST', '/v1/shipments', { token: S1.token, body: { contract_id: k.id } }), 201).body;
    const s1 = await drainUntil(S1.token, undefined, about('shipment', s.id, () => true), 'the shipment for S1');
    const s2 = (await drain(S2.token)).cursor;
    await colleagueSawNothing(s2, [C.id, k.id, s.id]);

    expectStatus(await api('POST', `/v1/customers/${C.id}/transfer`, { token: T.token, body: { owner_id: S2.user.id } }), 200);
    const gained = await drainUntil(
      S2.token,
      s2,
      (items) => about('contract', k.id, (x) => x.op === 'upsert')(items) && about('shipment', s.id, (x) => x.op === 'upsert')(items),
      'the contract and shipment for the new owner',
    );
    assert.equal(last(gained.items, 'customer', C.id).data.owner_id, S2.user.id);
    const contract = last(gained.items, 'contract', k.id).data;
    assert.equal(contract.fully_shipped, true);
    assert.deepEqual(contract, expectStatus(await api('GET', `/v1/contracts/${k.id}`, { token: S2.token }), 200).body);
    assert.deepEqual(last(gained.items, 'shipment', s.id).data, s);

    // The previous owner is told to drop the customer (and with it everything under it).
    const lost = await drainUntil(S1.token, s1.cursor, about('customer', C.id, (x) => x.op === 'delete'), 'the delete for S1');
    assert.ok(lost.items.every((x) => x.op === 'delete'));
  });
});
