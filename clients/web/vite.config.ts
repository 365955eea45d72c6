// The office app's build: hashed assets under assets/ (served immutable),
// one chunk per feature, and a gzip copy of each text asset beside it for the
// server to send as is.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

function gzipAssets(): Plugin {
  return {
    name: 'crm-gzip-assets',
    apply: 'build',
    // After the files are written: the code in generateBundle still holds
    // placeholders (the preload helper's) that Vite fills in later.
    writeBundle(options, bundle) {
      const dir = options.dir ?? 'dist';
      for (const name of Object.keys(bundle)) {
        if (!/\.(js|css|svg|json|html)$/.test(name)) continue;
        const bytes = readFileSync(join(dir, name));
        if (bytes.length < 1024) continue;
        writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), gzipAssets()],
  // One React for the app and every library: the workspace also holds React
  // 18 at its root (a peer that the mobile app's @react-spring asks for), and
  // antd resolving that copy would break every hook.
  resolve: { dedupe: ['react', 'react-dom'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom)[\\/]/ },
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/ },
          ],
        },
      },
    },
  },
  // `npm run dev` / `vite preview` send API calls to a server of your choice
  // (CRM_API_URL, default the one `make run` starts).
  server: { proxy: { '/v1': process.env.CRM_API_URL ?? 'http://127.0.0.1:8080' } },
  preview: { proxy: { '/v1': process.env.CRM_API_URL ?? 'http://127.0.0.1:8080' } },
});
