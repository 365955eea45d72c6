// The field-sales app's build, served by crm-server under /m/: hashed assets
// (immutable), a service worker that precaches the whole app shell so the app
// starts with no network, the web app manifest that makes it installable, and
// a gzip copy of each text asset for the server to send as is.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/* After every file is written, the service worker's too (it is generated
 * after the bundle, so the bundle's own list would miss it). */
function gzipAssets(): Plugin {
  let outDir = 'dist';
  return {
    name: 'crm-gzip-assets',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      handler() {
        const walk = (dir: string): string[] =>
          readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
        for (const file of walk(outDir)) {
          if (!/\.(js|css|svg|json|html|webmanifest)$/.test(file)) continue;
          const bytes = readFileSync(file);
          if (bytes.length < 1024) continue;
          writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
        }
      },
    },
  };
}

export default defineConfig({
  base: '/m/',
  // One React: antd-mobile (hoisted beside an older React another package
  // asked for) must use the app's own, or its hooks run on a second copy.
  resolve: { dedupe: ['react', 'react-dom'] },
  plugins: [
    react(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      manifestFilename: 'manifest.webmanifest',
      manifest: {
        id: '/m/',
        name: 'CRM 外勤',
        short_name: 'CRM',
        description: 'Customers, visits and follow-ups, with or without signal',
        lang: 'zh-CN',
        start_url: '/m/',
        scope: '/m/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#ffffff',
        theme_color: '#1677ff',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        // The whole shell: every chunk, so any screen opens offline (the
        // plugin adds the manifest and its icons itself).
        globPatterns: ['**/*.{js,css,html}'],
        navigateFallback: '/m/index.html',
        // The API is never answered from the cache: the app's data lives in
        // IndexedDB, and a stale answer would be worse than a refusal.
        navigateFallbackDenylist: [/^\/v1\//],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
    gzipAssets(),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [{ name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom)[\\/]/ }],
        },
      },
    },
  },
  // `npm run dev:mobile` / `vite preview` send API calls to a server of your
  // choice (CRM_API_URL, default the one `make run` starts).
  server: { proxy: { '/v1': process.env.CRM_API_URL ?? 'http://127.0.0.1:8080' } },
  preview: { proxy: { '/v1': process.env.CRM_API_URL ?? 'http://127.0.0.1:8080' } },
});
