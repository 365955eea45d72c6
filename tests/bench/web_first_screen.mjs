// How long the office app takes to become usable on loopback, from a cold
// cache (a new browser context each time): navigation to the sign-in form
// ready to type in, and, signed in, navigation to the dashboard with its agenda drawn.
// Prints medians and maxima of BENCH_WEB_RUNS runs; asserts nothing.
//   CRM_E2E_URL   the server serving the app (and the API)
// Run by hand: cd tests && CRM_E2E_URL=http://127.0.0.1:8080 node bench/web_first_screen.mjs
import { signup } from '../api/lib/client.mjs';
import { APP, launch, openPage, signIn } from '../e2e/lib/browser.mjs';

const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 10);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await launch();
const org = await signup({ name: 'Bench Admin' });
const signInMs = [];
const dashboardMs = [];
let bytes = 0;
try {
  for (let i = 0; i < RUNS; i++) {
    const { context, page } = await openPage(browser);
    let transferred = 0;
    page.on('response', async (r) => {
      const len = Number(r.headers()['content-length'] ?? 0);
      transferred += len;
    });
    let t0 = Date.now();
    await page.goto(APP + '/sign-in');
    await page.getByLabel(/组织代码|Organization/).waitFor({ state: 'visible' });
    signInMs.push(Date.now() - t0);
    if (i === 0) bytes = transferred;
    await signIn(page, org);
    // Cold cache again, but with the session kept: what a returning user sees.
    const state = await context.storageState();
    const warm = await browser.newContext({ storageState: state, locale: 'zh-CN', viewport: { width: 1366, height: 860 } });
    const p2 = await warm.newPage();
    t0 = Date.now();
    await p2.goto(APP + '/');
    // Usable: the agenda's sections are drawn from the server's answer (the
    // team chart below it may still be loading).
    await p2.getByText(/今天没有待办|逾期跟进/).first().waitFor();
    await p2.getByText('合同金额', { exact: true }).first().waitFor();
    dashboardMs.push(Date.now() - t0);
    await p2.waitForLoadState('networkidle');
    t0 = 0;
    await warm.close();
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(`sign-in form usable: median ${median(signInMs)} ms, max ${Math.max(...signInMs)} ms (${RUNS} cold loads)`);
console.log(`dashboard agenda drawn, signed in: median ${median(dashboardMs)} ms, max ${Math.max(...dashboardMs)} ms`);
console.log(`first load transferred: ${(bytes / 1024).toFixed(0)} KB (Content-Length of the responses)`);
