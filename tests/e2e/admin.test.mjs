// Administration: an admin adds a salesperson (the server's password rules
// answer next to the password field) who can then sign in and sees no
// administration; a team with a leader and a member; the organization's
// settings, with the server's range error next to its field and a stale save
// kept through the conflict dialog; the audit log filtered by record type.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, createUser, expectStatus, signup, uniq } from '../api/lib/client.mjs';
import { APP, assertAccessible, assertNoErrors, launch, openPage, screenshot, signIn } from './lib/browser.mjs';
import { dialogOpen, fieldError, pick } from './lib/dash.mjs';

let browser;
let org;
const hire = { name: '周新人', email: `${uniq('zhou-')}@example.com`, password: 'lantern-harbour-47' };

before(async () => {
  browser = await launch();
  org = await signup({ name: '钱管理员' });
});
after(async () => {
  await browser?.close();
});

test('an admin adds a salesperson: a weak password is refused next to its field, a good one works, and the new salesperson can sign in', async () => {
  const { page, context, errors } = await openPage(browser);
  await signIn(page, org);
  await page.getByRole('link', { name: '系统管理' }).click();
  await page.waitForURL(`${APP}/admin/users`);
  await page.getByRole('heading', { name: '系统管理 · 用户' }).waitFor();
  await page.getByRole('row').filter({ hasText: org.email }).waitFor();
  await screenshot(page, 'admin-users');
  await assertAccessible(page, 'admin users');

  await page.getByRole('button', { name: '添加用户' }).click();
  const dialog = await dialogOpen(page.getByRole('dialog', { name: '添加用户' }));
  await dialog.getByLabel('姓名').fill(hire.name);
  await dialog.getByLabel('邮箱').fill(hire.email);
  await dialog.getByLabel('初始密码').fill('password123');
  await dialog.getByLabel('初始密码').press('Enter');
  await fieldError(page, '初始密码', /太容易猜到/);
  await assertAccessible(page, 'add user with a refused password');
  // Nothing was created.
  const users = expectStatus(await api('GET', '/v1/users', { token: org.token }), 200).body.data;
  assert.ok(!users.some((u) => u.email === hire.email));

  await dialog.getByLabel('初始密码').fill(hire.password);
  await dialog.getByRole('button', { name: '保存' }).click();
  await dialog.waitFor({ state: 'hidden' });
  const row = page.getByRole('row').filter({ hasText: hire.email });
  await row.waitFor();
  assert.deepEqual((await row.getByRole('cell').allInnerTexts()).slice(0, 5), [hire.name, hire.email, '销售员', '无团队', '在用']);
  assertNoErrors(errors, 'admin users');
  await context.close();

  // The salesperson signs in, has no administration, and a typed URL to it is "not found".
  const other = await openPage(browser);
  await signIn(other.page, { slug: org.slug, email: hire.email, password: hire.password });
  await other.page.getByText(hire.name).waitFor();
  assert.equal(await other.page.getByRole('link', { name: '系统管理' }).count(), 0);
  await other.page.goto(`${APP}/admin/users`);
  await other.page.getByRole('heading', { name: '未找到' }).waitFor();
  assert.equal(await other.page.getByRole('table').count(), 0);
  await other.context.close();
});

test('an admin changes a user\'s role and deactivates them; a deactivated user cannot sign in', async () => {
  const someone = await createUser(org.token, 'sales', { name: '冯临时' });
  const { page, context, errors } = await openPage(browser);
  await signIn(page, org, '/admin/users');
  const row = page.getByRole('row').filter({ hasText: someone.email });
  await row.getByRole('button', { name: `编辑 ${someone.name}` }).click();
  const dialog = await dialogOpen(page.getByRole('dialog', { name: `编辑用户 ${someone.name}` }));
  await pick(page, '角色', '助理');
  await dialog.getByRole('button', { name: '保存' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await row.getByRole('cell', { name: '助理', exact: true }).waitFor();

  await row.getByRole('button', { name: `停用 ${someone.name}` }).click();
  await page.getByRole('tooltip').getByRole('button', { name: '停用' }).click();
  await row.getByText('已停用').waitFor();
  assert.equal(await row.getByRole('button', { name: `停用 ${someone.name}` }).count(), 0);
  const u = expectStatus(await api('GET', `/v1/users/${someone.id}`, { token: org.token }), 200).body;
  assert.deepEqual([u.role, u.active], ['assistant', false]);
  const refused = await api('POST', '/v1/auth/token', {
    body: { grant_type: 'password', tenant: org.slug, email: someone.email, password: someone.password },
  });
  assert.equal(refused.status, 401);
  assert.match(refused.body.type, /invalid-grant$/);
  assertNoErrors(errors, 'edit and deactivate a user');
  await context.close();
});

test('an admin creates a team led by a manager and adds a member to it', async () => {
  const manager = await createUser(org.token, 'manager', { name: '孙经理' });
  const member = await createUser(org.token, 'sales', { name: '吴销售' });
  const { page, context, errors } = await openPage(browser);
  await signIn(page, org, '/admin/teams');
  await page.getByRole('heading', { name: '系统管理 · 团队' }).waitFor();
  await page.getByText('还没有团队。新建一个团队，把销售员加入其中。').waitFor();

  await page.getByRole('button', { name: '新建团队' }).click();
  const dialog = await dialogOpen(page.getByRole('dialog', { name: '新建团队' }));
  await dialog.getByLabel('团队名称').fill('华东一组');
  await pick(page, '负责人', manager.name);
  await dialog.getByRole('button', { name: '保存' }).click();
  await dialog.waitFor({ state: 'hidden' });
  const row = page.getByRole('row').filter({ hasText: '华东一组' });
  await row.getByRole('cell', { name: manager.name }).waitFor();

  await row.getByRole('button', { name: '编辑 华东一组' }).click();
  const edit = await dialogOpen(page.getByRole('dialog', { name: '编辑团队 华东一组' }));
  await pick(page, '加入成员', member.name);
  await edit.getByRole('button', { name: '加入成员' }).click();
  await edit.getByRole('button', { name: `将 ${member.name} 移出团队` }).waitFor();
  await edit.getByRole('button', { name: '取消' }).click();
  await row.getByText(member.name).waitFor();

  const teams = expectStatus(await api('GET', '/v1/teams', { token: org.token }), 200).body.data;
  const team = teams.find((x) => x.name === '华东一组');
  assert.equal(team.leader_id, manager.id);
  const m = expectStatus(await api('GET', `/v1/users/${member.id}`, { token: org.token }), 200).body;
  assert.equal(m.team_id, team.id);
  await screenshot(page, 'admin-teams');
  await assertAccessible(page, 'admin teams');
  assertNoErrors(errors, 'admin teams');
  await context.close();
});

test("the organization's settings: a value out of range is refused next to its field, a save sticks, and a stale save keeps the typing", async () => {
  const { page, context, errors } = await openPage(browser);
  await signIn(page, org, '/admin/settings');
  await page.getByRole('heading', { name: '系统管理 · 组织设置' }).waitFor();
  const days = page.getByLabel('多少天未联系视为沉睡客户');
  await days.fill('0');
  await page.getByRole('button', { name: '保存' }).click();
  await fieldError(page, '多少天未联系视为沉睡客户', /超出范围/);
  assert.equal(expectStatus(await api('GET', '/v1/tenant', { token: org.token }), 200).body.dormant_after_days, 90);

  await days.fill('45');
  await days.press('Enter');
  await page.getByText('已保存').waitFor();
  const saved = expectStatus(await api('GET', '/v1/tenant', { token: org.token }), 200).body;
  assert.equal(saved.dormant_after_days, 45);
  // The check is of the screen at rest: the pointer, left on the save button
  // by the first click, would show its hover colour.
  await page.mouse.move(0, 0);
  await screenshot(page, 'admin-settings');
  await assertAccessible(page, 'admin settings');

  // Someone else renames the organization meanwhile; this save keeps what was typed.
  expectStatus(
    await api('PATCH', '/v1/tenant', { token: org.token, body: { name: '别人改的名字' }, headers: { 'If-Match': `"${saved.version}"` } }),
    200,
  );
  await page.getByLabel('组织名称').fill('我的新名字');
  await page.getByRole('button', { name: '保存' }).click();
  const conflict = await dialogOpen(page.getByRole('dialog', { name: '该记录已被他人修改' }));
  await conflict.getByRole('cell', { name: '别人改的名字' }).waitFor();
  await conflict.getByRole('cell', { name: '我的新名字' }).waitFor();
  await conflict.getByRole('button', { name: '重新应用我的修改' }).click();
  await conflict.waitFor({ state: 'hidden' });
  await page.getByLabel('组织名称').and(page.locator('[value="我的新名字"]')).waitFor();
  assert.equal(expectStatus(await api('GET', '/v1/tenant', { token: org.token }), 200).body.name, '我的新名字');
  assertNoErrors(errors, 'admin settings');
  await context.close();
});

test('the audit log filtered by record type shows the user the admin created, with its fields', async () => {
  const { page, context, errors } = await openPage(browser);
  await signIn(page, org, '/admin/audit');
  await page.getByRole('heading', { name: '系统管理 · 审计日志' }).waitFor();
  await pick(page, '按对象类型', '用户');
  await page.getByRole('button', { name: '筛选', exact: true }).click();
  await page.waitForURL(/entity=users/);
  const row = page.getByRole('row').filter({ hasText: hire.email });
  await row.waitFor();
  const cells = await row.getByRole('cell').allInnerTexts();
  assert.equal(cells[1], '钱管理员');
  assert.equal(cells[2], '新建');
  assert.equal(cells[3], '用户');
  assert.match(cells[5], /role: sales/);
  // Only users' entries: the settings changed above are not among them.
  assert.equal(await page.getByRole('cell', { name: '组织设置', exact: true }).count(), 0);
  await screenshot(page, 'admin-audit');
  await assertAccessible(page, 'admin audit');

  // The filter is in the URL: a reload keeps it.
  await page.reload();
  await page.getByRole('row').filter({ hasText: hire.email }).waitFor();

  // By days: up to a day long past, nothing; from today, the creation again.
  await page.goto(`${APP}/admin/audit?entity=users&to=2001-01-31`);
  await page.getByText('没有符合条件的记录。').waitFor();
  assert.equal(await page.getByRole('row').filter({ hasText: hire.email }).count(), 0);
  const today = new Date();
  const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  await page.goto(`${APP}/admin/audit?entity=users&from=${day}&to=${day}`);
  await page.getByRole('row').filter({ hasText: hire.email }).waitFor();
  assertNoErrors(errors, 'admin audit');
  await context.close();
});

test('a manager sees the users and teams but cannot change them, and has no settings or audit log', async () => {
  const manager = await createUser(org.token, 'manager', { name: '郑经理' });
  const { page, context, errors } = await openPage(browser);
  await signIn(page, { slug: org.slug, email: manager.email, password: manager.password });
  await page.getByRole('link', { name: '系统管理' }).click();
  await page.getByRole('heading', { name: '系统管理 · 用户' }).waitFor();
  await page.getByText('经理可以查看用户；只有管理员可以添加或修改。').waitFor();
  await page.getByRole('row').filter({ hasText: org.email }).waitFor();
  assert.equal(await page.getByRole('button', { name: '添加用户' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^编辑/ }).count(), 0);
  const nav = page.getByRole('navigation', { name: '系统管理' });
  assert.deepEqual(await nav.getByRole('link').allInnerTexts(), ['用户', '团队']);
  await assertAccessible(page, 'admin users for a manager');

  await page.goto(`${APP}/admin/settings`);
  await page.getByRole('heading', { name: '未找到' }).waitFor();
  await page.goto(`${APP}/admin/audit`);
  await page.getByRole('heading', { name: '未找到' }).waitFor();
  assertNoErrors(errors, 'admin for a manager');
  await context.close();
});
