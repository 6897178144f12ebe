// The widget's entry (dist/widget.js): reads its settings from its own <script> tag, mounts into
// a shadow root on a host element of its own so that the page's styles and ours never meet, and
// picks up a conversation kept from an earlier page (then it connects at once, to show replies).
import { render } from 'preact';
import { Widget } from './app';
import { Chat } from './chat';
import { ownScript, readSettings, type WidgetSettings } from './settings';
import css from './widget.css?inline';
import { WidgetStorage } from './widget_storage';

function mount(settings: WidgetSettings): void {
  if (document.querySelector('[data-switchboard-widget]')) return; // the tag is on the page twice
  const host = document.createElement('div');
  host.setAttribute('data-switchboard-widget', '');
  document.body.appendChild(host);
  const root = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = css;
  root.appendChild(style);
  host.style.setProperty('--sb-accent', settings.color);
  const chat = new Chat({ server: settings.server, topic: settings.topic, storage: new WidgetStorage(settings.server) });
  if (chat.hasConversation) chat.connect();
  const container = document.createElement('div');
  root.appendChild(container);
  render(<Widget chat={chat} settings={settings} />, container);
}

// currentScript is only set while this runs: read the settings now, mount once there is a body.
const settings = readSettings(ownScript(), location.href);
if (document.body) mount(settings);
else document.addEventListener('DOMContentLoaded', () => mount(settings), { once: true });
