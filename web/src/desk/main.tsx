// The agent desk (/desk/): sign-in (StaffGate), then the desk — status, offers with a countdown,
// sound and notification, several conversations side by side with the customer's whole timeline,
// replies, notes, canned replies, transfer, escalate, resolve, keyboard shortcuts. The logic lives
// in src/staff/ (Workspace), shared with the lead console, which is also a desk.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import '../styles/base.css';
import '../staff/staff.css';
import { RestClient } from '../lib/rest';
import { StaffGate } from '../lib/sign_in';
import { useStaffConnection } from '../lib/staff_connection';
import { StaffFrame } from '../lib/staff_page';
import type { StaffSession } from '../lib/types';
import { BrowserAlerts } from '../staff/alerts';
import { ConnectionBanner } from '../staff/connection_banner';
import { usePageVisible, useModel } from '../staff/preact_util';
import { localStore } from '../staff/storage';
import { Workspace } from '../staff/workspace';
import { WorkspaceView } from '../staff/workspace_view';

const rest = new RestClient();
const title = 'Agent desk';

function Desk({ session, signOut, lost }: { session: StaffSession; signOut: () => Promise<void>; lost: () => void }) {
  const holder = useRef<Workspace | null>(null);
  const { conn, state } = useStaffConnection({
    rest,
    onSignedOut: lost,
    onConnected: () => holder.current?.onConnected(),
    onFrame: (frame) => holder.current?.onFrame(frame),
  });
  const [alerts] = useState(() => new BrowserAlerts(title));
  const [ws] = useState(() => {
    const w = new Workspace({ conn, rest, session, storage: localStore(), alerts });
    holder.current = w;
    w.start();
    return w;
  });
  useModel(ws, true);
  const visible = usePageVisible();
  const unread = ws.list().reduce((n, c) => n + c.unread(), 0) + ws.offers.size;
  useEffect(() => {
    document.title = `${unread ? `(${unread}) ` : ''}${title} · Switchboard`;
  }, [unread]);
  return (
    <StaffFrame title={title} session={session} onSignOut={signOut} connection={state}>
      <ConnectionBanner state={state} waiting={ws.outbox.items.length} onRetry={() => conn.reconnectNow()} />
      <WorkspaceView ws={ws} alerts={alerts} pageVisible={visible} />
    </StaffFrame>
  );
}

render(
  <StaffGate rest={rest} title={title}>
    {(session, { signOut, lost }) => <Desk session={session} signOut={signOut} lost={lost} />}
  </StaffGate>,
  document.getElementById('app')!,
);
