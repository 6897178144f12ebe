// WhatsApp's 24-hour window, above the composer of a conversation whose replies go to WhatsApp:
// while it is open, how long is left; once it closed (24 h after the customer's last WhatsApp
// message), WhatsApp takes only an approved template, so the pane says so and offers the
// templates of GET /v1/whatsapp-templates: pick one, fill in its variables (each named as the
// config names it), read the message as the customer will, send it. The server checks the
// window too (`whatsapp_window_closed`): this is what makes the refusal rare.
import { useState } from 'preact/hooks';
import type { WhatsAppTemplate } from './api';
import type { Conv } from './conv';
import { durationWords } from './format';
import type { Workspace } from './workspace';

export const whatsappWindowMs = 24 * 3600 * 1000;

/** The body with each {{n}} replaced by values[n-1] (a blank one stays visible as {{n}}). */
export function fillTemplate(body: string, values: readonly string[]): string {
  return body.replace(/\{\{(\d+)\}\}/g, (whole, n: string) => values[Number(n) - 1]?.trim() || whole);
}

/** Whether WhatsApp would take this value: 1–1024 characters on one line, no tabs. */
export function variableOk(value: string): boolean {
  const v = value.trim();
  return v.length > 0 && v.length <= 1024 && !/[\n\t]/.test(v);
}

export function WhatsAppWindow({ ws, conv, wroteAtMs, nowMs }: { ws: Workspace; conv: Conv; wroteAtMs: number; nowMs: number }) {
  const endsAt = wroteAtMs ? wroteAtMs + whatsappWindowMs : 0;
  if (endsAt > nowMs) {
    return (
      <p class="wa-window" data-testid="whatsapp-window">
        WhatsApp window: {durationWords((endsAt - nowMs) / 1000)} left to reply freely
      </p>
    );
  }
  return (
    <div class="wa-window closed" data-testid="whatsapp-window" role="region" aria-label="WhatsApp template">
      <p>
        {endsAt
          ? `WhatsApp's 24-hour window closed ${durationWords((nowMs - endsAt) / 1000)} ago (the customer last wrote ${durationWords((nowMs - wroteAtMs) / 1000)} ago).`
          : 'The customer has not written on WhatsApp in this conversation.'}{' '}
        WhatsApp takes only an approved template until they write again.
      </p>
      <TemplateForm ws={ws} conv={conv} />
    </div>
  );
}

function TemplateForm({ ws, conv }: { ws: Workspace; conv: Conv }) {
  const [index, setIndex] = useState(0);
  const [values, setValues] = useState<string[]>([]);
  if (ws.templates.length === 0) {
    return <p class="muted">No templates are configured (channels.whatsapp_templates): ask your administrator.</p>;
  }
  const t: WhatsAppTemplate = ws.templates[Math.min(index, ws.templates.length - 1)];
  const names = t.variables ?? [];
  const ready = names.every((_, i) => variableOk(values[i] ?? ''));
  const send = (e: Event) => {
    e.preventDefault();
    if (!ready) return;
    const filled = names.map((_, i) => values[i].trim());
    ws.reply(conv.id, fillTemplate(t.body, filled), { templateMessage: { name: t.name, language: t.language, variables: filled } });
    setValues([]);
  };
  return (
    <form class="wa-template" onSubmit={send}>
      <label for={`tpl-${conv.id}`}>Template</label>
      <select id={`tpl-${conv.id}`} value={String(index)} onChange={(e) => (setIndex(Number(e.currentTarget.value)), setValues([]))}>
        {ws.templates.map((x, i) => <option key={`${x.name}/${x.language}`} value={String(i)}>{`${x.name} (${x.language})`}</option>)}
      </select>
      {names.map((name, i) => (
        <span class="wa-variable" key={`${t.name}-${i}`}>
          <label for={`tpl-${conv.id}-${i}`}>{`{{${i + 1}}} ${name}`}</label>
          <input id={`tpl-${conv.id}-${i}`} class="staff-input" value={values[i] ?? ''} maxLength={1024}
            onInput={(e) => setValues(Object.assign([...values], { [i]: e.currentTarget.value }))} />
        </span>
      ))}
      <p class="wa-preview" aria-label="Preview">{fillTemplate(t.body, values)}</p>
      <button type="submit" class="button small primary" disabled={!ready}>Send template</button>
    </form>
  );
}
