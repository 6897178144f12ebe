// The pages' build: landing, demo shop, desk and console as a multi-page app into dist/, with
// hashed assets. The widget is built apart (vite.widget.config.ts) into one stable-named file.
// The dev and preview servers proxy /v1 (REST and the WebSocket) to a local Switchboard.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { devWidgetLoader } from './scripts/dev_widget_loader.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const backend = `http://127.0.0.1:${process.env.SB_PORT ?? '18481'}`;
const proxy = { '/v1': { target: backend, ws: true, changeOrigin: false } };

export default defineConfig({
  root: here,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [devWidgetLoader()],
  server: { host: '127.0.0.1', proxy },
  preview: { host: '127.0.0.1', proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    rolldownOptions: {
      input: {
        landing: resolve(here, 'index.html'),
        shop: resolve(here, 'shop/index.html'),
        desk: resolve(here, 'desk/index.html'),
        console: resolve(here, 'console/index.html'),
      },
    },
  },
});
