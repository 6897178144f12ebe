// The widget's entry: finds its own <script> tag, reads its data-* settings, and mounts into a
// shadow root so that the host page's styles and ours never meet.
import { render } from 'preact';

function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  const all = document.querySelectorAll<HTMLScriptElement>('script[src$="/widget.js"], script[src="widget.js"]');
  return all[all.length - 1] ?? null;
}

const script = ownScript();
const host = document.createElement('div');
host.setAttribute('data-switchboard-widget', '');
document.body.appendChild(host);
const root = host.attachShadow({ mode: 'open' });
render(<p>{script?.dataset.title ?? 'Chat'}</p>, root);
