// dash.mjs: what the dashboard, reports and administration tests share —
// picking an option of a labelled select as a person does, and a tenant whose
// days are UTC days so a test can name "today" exactly.
import { api, expectStatus } from '../../api/lib/client.mjs';

/** Opens the select labelled `label` and picks the option `option`. */
export async function pick(page, label, option) {
  await page.getByLabel(label, { exact: true }).click();
  await page.locator('.ant-select-dropdown:visible').getByTitle(option, { exact: true }).click();
}

/** Sets the organization's time zone to UTC and answers today's date there
 * (as the agenda counts it). */
export async function utcToday(org) {
  const t = expectStatus(await api('GET', '/v1/tenant', { token: org.token }), 200);
  expectStatus(
    await api('PATCH', '/v1/tenant', { token: org.token, body: { timezone: 'UTC' }, headers: { 'If-Match': `"${t.body.version}"` } }),
    200,
    'tenant in UTC',
  );
  const a = expectStatus(await api('GET', '/v1/agenda', { token: org.token }), 200);
  return a.body.date;
}

/** Waits until the field labelled `label` is described by an error matching
 * `pattern` (what a screen reader reads with the field), and answers it. */
export async function fieldError(page, label, pattern, timeout = 10000) {
  const input = page.getByLabel(label, { exact: true });
  const until = Date.now() + timeout;
  let text = '';
  while (Date.now() < until) {
    const ids = (await input.getAttribute('aria-describedby')) ?? '';
    text = '';
    for (const id of ids.split(/\s+/).filter(Boolean)) {
      const el = page.locator(`[id="${id}"]`);
      if (await el.count()) text += (await el.innerText()) + ' ';
    }
    if (pattern.test(text)) return text.trim();
    await page.waitForTimeout(100);
  }
  throw new Error(`no error matching ${pattern} next to "${label}" (it says: "${text.trim()}")`);
}

/** Waits until the dialog `dialog` (a locator) has finished opening: a click
 * while it still zooms in can miss its buttons. */
export async function dialogOpen(dialog, timeout = 10000) {
  await dialog.waitFor();
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    if (!/\bant-zoom/.test((await dialog.getAttribute('class')) ?? '')) return dialog;
    await dialog.page().waitForTimeout(50);
  }
  throw new Error('the dialog did not finish opening');
}
