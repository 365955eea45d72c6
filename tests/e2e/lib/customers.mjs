// customers.mjs: what the customers screens' browser tests share — an
// organization with a manager leading two salespeople, many customers made
// quickly through the API, and picking an option of a dropdown by its label.
import { addUser, api, createTeam, expectStatus, signup, uniq } from '../../api/lib/client.mjs';

/** An organization: its admin, a manager leading a team of two salespeople. */
export async function salesOrganization() {
  const org = await signup({ name: '管理员' });
  const manager = await addUser(org, 'manager', { name: '王经理' });
  const team = await createTeam(org.token, `华东组 ${uniq()}`, manager.user.id);
  const sales1 = await addUser(org, 'sales', { name: '李销售', team_id: team.id });
  const sales2 = await addUser(org, 'sales', { name: '赵销售', team_id: team.id });
  const who = (u) => ({ slug: org.slug, email: u.email, password: u.password, id: u.user.id, token: u.token });
  return { org, admin: { slug: org.slug, email: org.email, password: org.password, id: org.user.id, token: org.token }, manager: who(manager), sales1: who(sales1), sales2: who(sales2) };
}

/** Creates `n` customers as `token`, `parallel` requests at a time, past the duplicate guard. */
export async function createMany(token, n, name = (i) => `Bulk ${i}`, parallel = 8) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      expectStatus(
        await api('POST', '/v1/customers?confirm_duplicate=true', { token, body: { name: name(i) }, validate: false }),
        201,
        'bulk customer',
      );
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Opens the dropdown labelled `label`, types `text` (when it searches) and picks the option `option`. */
export async function pick(page, label, option, { type } = {}) {
  const box = page.getByLabel(label, { exact: true });
  await box.click();
  if (type) await box.fill(type);
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first().click();
}

/** Waits until no dialog or dropdown is still opening or closing, so a screenshot shows it whole. */
export async function whenStill(page) {
  await page.waitForFunction(() => !document.querySelector('[class*="-appear-active"],[class*="-enter-active"],[class*="-leave-active"]'));
}
