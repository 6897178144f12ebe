// Dev server only: answers /widget.js (which the build makes with vite.widget.config.ts) with a
// classic script that loads the widget's source as a module, so /shop/ works under `npm run dev`
// with the same <script src="/widget.js"> tag a customer's site uses.
import type { Plugin } from 'vite';

const loader = "import('/src/widget/main.tsx');\n";

export function devWidgetLoader(): Plugin {
  return {
    name: 'switchboard-dev-widget-loader',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/widget.js', (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
        res.setHeader('Cache-Control', 'no-store');
        res.end(loader);
      });
    },
  };
}
