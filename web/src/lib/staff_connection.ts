// The socket of a staff page, as a Preact hook: cookie auth (the browser sends the session cookie
// with the upgrade), a failed handshake checked against GET /v1/session, and a sign-out (close
// code 4003, or the session gone) handed to the page (StaffGate's `lost`). The page's handlers
// may change between renders; the connection stays the same for the page's life.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Connection, type ConnectionState, socketUrl } from './connection';
import type { RestClient } from './rest';
import { staffAuthCheck } from './session';
import type { ServerFrame, Welcome } from './types';

export interface StaffConnectionOptions {
  rest: RestClient;
  /** Signed out elsewhere, or the account was disabled: show the sign-in form. */
  onSignedOut: () => void;
  /** Events, offers, agentState, boards… */
  onFrame?: (frame: ServerFrame, conn: Connection) => void;
  /** The resume hook: runs after every (re)connect, before kept requests are re-sent. */
  onConnected?: (welcome: Welcome, conn: Connection) => void;
  /** The server's origin; default this page's. */
  server?: string;
  /** The socket URL's query: the console asks for boards as changes ("boards=changes"). */
  query?: string;
}

export function useStaffConnection(options: StaffConnectionOptions): { conn: Connection; state: ConnectionState } {
  const latest = useRef(options);
  latest.current = options;
  const [state, setState] = useState<ConnectionState>({ kind: 'idle' });
  const [conn] = useState(
    () =>
      new Connection({
        url: socketUrl(options.server ?? location.origin, options.query),
        auth: { kind: 'cookie' },
        checkAuth: () => staffAuthCheck(latest.current.rest),
        onFrame: (frame) => latest.current.onFrame?.(frame, conn),
        onConnected: (welcome) => latest.current.onConnected?.(welcome, conn),
        onState: (s) => {
          setState(s);
          if (s.kind === 'signed_out') latest.current.onSignedOut();
        },
      }),
  );
  useEffect(() => {
    conn.start();
    return () => conn.stop();
  }, [conn]);
  return { conn, state };
}
