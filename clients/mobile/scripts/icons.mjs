// Makes the app's PNG icons from public/icon.svg, drawn by Chromium (through
// the tests' playwright-core): 192 and 512 pixels for the manifest and the
// home screen, and a maskable 512 whose background fills the whole square (a
// launcher cuts its own shape out of it; the glyph sits well inside the
// central safe circle). Run once after changing the SVG, commit the PNGs:
//   node clients/mobile/scripts/icons.mjs      (CRM_E2E_CHROMIUM: another chromium)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pub = join(here, '..', 'public');
const root = join(here, '..', '..', '..');
const { chromium } = createRequire(join(root, 'tests', 'package.json'))('playwright-core');

const svg = readFileSync(join(pub, 'icon.svg'), 'utf8');
// The maskable form: the background square without its rounded corners.
const maskable = svg.replace(/(<rect\b[^>]*?)\s+rx="[^"]*"/, '$1');
if (maskable === svg) throw new Error('icon.svg: no rounded background <rect rx=…> to square off for the maskable icon');

const icons = [
  { file: 'icon-192.png', size: 192, svg },
  { file: 'icon-512.png', size: 512, svg },
  { file: 'icon-maskable-512.png', size: 512, svg: maskable },
];

const browser = await chromium.launch({ executablePath: process.env.CRM_E2E_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const icon of icons) {
    const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size }, deviceScaleFactor: 1 });
    const img = icon.svg.replace('<svg ', `<svg width="${icon.size}" height="${icon.size}" `);
    await page.setContent(`<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block}</style>${img}`);
    await page.screenshot({ path: join(pub, icon.file), omitBackground: true, clip: { x: 0, y: 0, width: icon.size, height: icon.size } });
    await page.close();
    console.log(`public/${icon.file} (${icon.size}×${icon.size})`);
  }
} finally {
  await browser.close();
}
