// The widget's settings, read from its own <script> tag's data-* attributes:
//   data-server   the Switchboard to talk to (default: where widget.js was loaded from)
//   data-topic    the queue's topic for new conversations (default: the server's first queue)
//   data-title    the panel's title (default "Chat with us")
//   data-prechat  fields asked before the first message: "name", "email" or "name,email"
//   data-color    the accent colour (a CSS colour, default a blue)
//   data-greeting the line shown before the first message

export type PrechatField = 'name' | 'email';

export interface WidgetSettings {
  /** The server's origin, e.g. "https://switchboard.example". */
  server: string;
  topic: string;
  title: string;
  prechat: PrechatField[];
  color: string;
  greeting: string;
}

/** The <script> that loaded the widget: currentScript while it runs, else the tag by its name. */
export function ownScript(doc: Document = document): HTMLScriptElement | null {
  const current = doc.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  const all = doc.querySelectorAll<HTMLScriptElement>('script[src$="widget.js"]');
  return all[all.length - 1] ?? null;
}

export function readSettings(script: HTMLScriptElement | null, pageUrl: string): WidgetSettings {
  const data = script?.dataset ?? {};
  const loadedFrom = script?.src ? new URL(script.src, pageUrl).origin : new URL(pageUrl).origin;
  const prechat = (data.prechat ?? '')
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter((f): f is PrechatField => f === 'name' || f === 'email');
  return {
    server: data.server ? new URL(data.server, pageUrl).origin : loadedFrom,
    topic: data.topic ?? '',
    title: data.title || 'Chat with us',
    prechat: [...new Set(prechat)],
    color: data.color || '#2f4bd6',
    greeting: data.greeting || 'Hi! How can we help? Write us a message and someone from the team will answer.',
  };
}
