// The forms of a conversation's actions, each with the field its frame needs: transfer (to a queue
// or an agent, with a note), escalate (a reason), resolve (a disposition from the queue's list),
// and the leads' take over, hand back, reassign and priority (each with its reason). A refusal is
// shown in the form, in words; the form closes when the action went through.
import type { ComponentChildren, TargetedSubmitEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Conv } from './conv';
import { errorWords } from './format';
import type { LeadWorkspace } from './lead_workspace';
import { summarize } from './timeline';
import type { Workspace } from './workspace';

export type FormKind = 'transfer' | 'escalate' | 'resolve' | 'takeover' | 'handback' | 'reassign' | 'priority';

interface FormProps {
  ws: Workspace;
  lead?: LeadWorkspace;
  conv: Conv;
  kind: FormKind;
  onClose: () => void;
}

/** The form for `kind`. */
export function ActionForm(props: FormProps) {
  switch (props.kind) {
    case 'transfer':
    case 'handback':
    case 'reassign':
      return <MoveForm {...props} />;
    case 'escalate':
      return <EscalateForm {...props} />;
    case 'resolve':
      return <ResolveForm {...props} />;
    case 'takeover':
      return <TakeOverForm {...props} />;
    case 'priority':
      return <PriorityForm {...props} />;
  }
}

interface ShellProps {
  title: string;
  submit: string;
  run: () => Promise<void>;
  onClose: () => void;
  disabled?: boolean;
  children: ComponentChildren;
}

/** A form's frame: heading, fields, the refusal if any, submit and cancel; Esc cancels. */
function Shell({ title, submit, run, onClose, disabled, children }: ShellProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const box = useRef<HTMLFormElement>(null);
  useEffect(() => {
    box.current?.querySelector<HTMLElement>('select, input, textarea')?.focus();
  }, []);
  const onSubmit = async (e: TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (busy || disabled) return;
    setBusy(true);
    setError('');
    try {
      await run();
      onClose();
    } catch (err) {
      setError(errorWords(err));
      setBusy(false);
    }
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    }
  };
  return (
    <form ref={box} class="pane-form" aria-label={title} onSubmit={onSubmit} onKeyDown={onKeyDown}>
      <h3>{title}</h3>
      {children}
      {error && <p class="form-error" role="alert">{error}</p>}
      <div class="form-actions">
        <button type="submit" class="button primary" disabled={busy || disabled}>{busy ? 'Working…' : submit}</button>
        <button type="button" class="button" onClick={onClose}>Cancel</button>
      </div>
    </form>
  );
}

function Field({ id, label, children }: { id: string; label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
    </div>
  );
}

/** Transfer (owner), hand back (a lead who owns it: to an agent) and reassign (a lead who does not). */
function MoveForm({ ws, lead, conv, kind, onClose }: FormProps) {
  const agentOnly = kind === 'handback';
  const lastFrom = [...conv.log.events].reverse().find((e) => e.takeover?.fromAgentId)?.takeover?.fromAgentId ?? '';
  const [target, setTarget] = useState<'queue' | 'agent'>(agentOnly ? 'agent' : 'queue');
  const queues = ws.queues.map((q) => q.name);
  const [queue, setQueue] = useState(queues.find((q) => q !== conv.queue) ?? queues[0] ?? '');
  const [agent, setAgent] = useState(agentOnly ? lastFrom : '');
  const [note, setNote] = useState('');
  useEffect(() => void ws.refreshAgents(), [ws]);
  const p = `f-${kind}-${conv.id}`;
  const to = target === 'queue' ? { toQueue: queue } : { toAgentId: agent.trim() };
  const reasonNeeded = kind === 'reassign';
  const run = async () => {
    if (kind === 'reassign') await lead!.reassign(conv.id, to, note);
    else if (kind === 'handback') await lead!.handBack(conv.id, agent.trim(), note);
    else await ws.transfer(conv.id, to, note);
  };
  const title = kind === 'reassign' ? 'Reassign the conversation' : kind === 'handback' ? 'Hand the conversation back' : 'Transfer the conversation';
  const submit = kind === 'reassign' ? 'Confirm reassign' : kind === 'handback' ? 'Confirm hand back' : 'Confirm transfer';
  const missing = (target === 'queue' ? !queue : !agent.trim()) || (reasonNeeded && !note.trim());
  return (
    <Shell title={title} submit={submit} run={run} onClose={onClose} disabled={missing}>
      {!agentOnly && (
        <fieldset class="choice">
          <legend>To</legend>
          <label><input type="radio" name={`${p}-to`} checked={target === 'queue'} onChange={() => setTarget('queue')} /> A queue</label>
          <label><input type="radio" name={`${p}-to`} checked={target === 'agent'} onChange={() => setTarget('agent')} /> An agent</label>
        </fieldset>
      )}
      {target === 'queue' ? (
        <Field id={`${p}-queue`} label="Queue">
          <select id={`${p}-queue`} value={queue} onChange={(e) => setQueue(e.currentTarget.value)}>
            {queues.map((q) => <option key={q} value={q}>{q}{q === conv.queue ? ' (current)' : ''}</option>)}
          </select>
        </Field>
      ) : (
        <Field id={`${p}-agent`} label="Agent">
          <input id={`${p}-agent`} list={`${p}-agents`} value={agent} autocomplete="off" placeholder="agent id"
            onInput={(e) => setAgent(e.currentTarget.value)} />
          <datalist id={`${p}-agents`}>
            {ws.agents.filter((a) => a.id !== ws.self).map((a) => (
              <option key={a.id} value={a.id}>{`${a.displayName || a.id} · ${(a.status ?? 'OFFLINE').toLowerCase()}`}</option>
            ))}
          </datalist>
        </Field>
      )}
      <Field id={`${p}-note`} label={reasonNeeded ? 'Reason (the next owner reads it)' : 'Note for the next owner'}>
        <textarea id={`${p}-note`} rows={2} value={note} required={reasonNeeded} onInput={(e) => setNote(e.currentTarget.value)} />
      </Field>
    </Shell>
  );
}

function EscalateForm({ ws, conv, onClose }: FormProps) {
  const [reason, setReason] = useState('');
  const id = `f-esc-${conv.id}`;
  return (
    <Shell title="Escalate to a lead" submit="Confirm escalation" run={() => ws.escalate(conv.id, reason)} onClose={onClose} disabled={!reason.trim()}>
      <Field id={id} label="Reason (the lead reads it)">
        <textarea id={id} rows={2} value={reason} required onInput={(e) => setReason(e.currentTarget.value)} />
      </Field>
    </Shell>
  );
}

function ResolveForm({ ws, conv, onClose }: FormProps) {
  const options = ws.dispositions(conv);
  const [disposition, setDisposition] = useState(options[0]);
  const id = `f-res-${conv.id}`;
  return (
    <Shell title="Resolve the conversation" submit="Confirm resolve" run={() => ws.resolve(conv.id, disposition)} onClose={onClose}>
      <Field id={id} label="Disposition">
        <select id={id} value={disposition} onChange={(e) => setDisposition(e.currentTarget.value)}>
          {options.map((d) => <option key={d} value={d}>{d.replace(/_/g, ' ')}</option>)}
        </select>
      </Field>
    </Shell>
  );
}

function TakeOverForm({ lead, conv, onClose }: FormProps) {
  const [reason, setReason] = useState('');
  const id = `f-take-${conv.id}`;
  return (
    <Shell title="Take the conversation over" submit="Confirm take over" run={() => lead!.takeOver(conv.id, reason)} onClose={onClose} disabled={!reason.trim()}>
      <Field id={id} label="Reason (the agent reads it)">
        <textarea id={id} rows={2} value={reason} required onInput={(e) => setReason(e.currentTarget.value)} />
      </Field>
    </Shell>
  );
}

function PriorityForm({ lead, conv, onClose }: FormProps) {
  const current = summarize(conv.log.events).priority || conv.record?.priority || 0;
  const [priority, setPriority] = useState(String(current + 1));
  const [reason, setReason] = useState('');
  const p = `f-prio-${conv.id}`;
  const n = Number(priority);
  const bad = !Number.isInteger(n) || Math.abs(n) > 1000;
  return (
    <Shell title="Change the priority" submit="Set priority" run={() => lead!.setPriority(conv.id, n, reason)} onClose={onClose}
      disabled={bad || !reason.trim()}>
      <p class="form-hint">Now {current}. Higher is served first.</p>
      <Field id={`${p}-value`} label="Priority">
        <input id={`${p}-value`} type="number" step={1} value={priority} onInput={(e) => setPriority(e.currentTarget.value)} />
      </Field>
      <Field id={`${p}-reason`} label="Reason">
        <textarea id={`${p}-reason`} rows={2} value={reason} required onInput={(e) => setReason(e.currentTarget.value)} />
      </Field>
    </Shell>
  );
}
