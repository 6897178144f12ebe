// The customer widget: one self-contained IIFE at the stable URL dist/widget.js, so a site embeds
// it with a plain <script src=".../widget.js">. Styles are inlined into it (its shadow root), and
// nothing is split off, so no hashed file has to be found at run time.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2020',
    copyPublicDir: false,
    lib: {
      entry: resolve(here, 'src/widget/main.tsx'),
      formats: ['iife'],
      name: 'SwitchboardWidget',
      fileName: () => 'widget.js',
    },
  },
});
