// documents.mjs: what the quotation → contract → shipment browser tests set
// up through the API, and reading a downloaded PDF as text.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, expectStatus, uniq } from '../../api/lib/client.mjs';

/** A catalogue product that must be created; returns it. */
export async function createProduct(token, fields = {}) {
  const body = { sku: uniq('SKU-'), name: `产品 ${uniq()}`, unit_price: '100.00', ...fields };
  return expectStatus(await api('POST', '/v1/products', { token, body }), 201, 'create product').body;
}

/** A draft quotation of one free-text line; returns it. */
export async function createQuotation(token, customerId, fields = {}) {
  const body = { customer_id: customerId, lines: [{ description: '咨询服务', quantity: '1', unit_price: '100.00' }], ...fields };
  return expectStatus(await api('POST', '/v1/quotations', { token, body }), 201, 'create quotation').body;
}

export async function getRecord(token, path) {
  return expectStatus(await api('GET', path, { token }), 200, `GET ${path}`).body;
}

/** Clicks `button`, waits for the browser's download, and returns the
 * downloaded file's name and its text as pdftotext reads it. */
export async function downloadPdfText(page, button) {
  const dir = mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  try {
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    const file = join(dir, 'doc.pdf');
    await download.saveAs(file);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    return { name: download.suggestedFilename(), text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How the app shows an amount in zh-CN (the same Intl formatting). */
export function yuan(amount) {
  return new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY', minimumFractionDigits: 2 }).format(amount);
}

/** Polls `check` (async) until it returns something truthy; returns that. */
export async function until(check, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
