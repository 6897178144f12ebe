// A banner under the staff page's bar while the socket is down ("Connection lost. Reconnecting in
// 3 s…", with "Reconnect now" and how many lines wait to be sent), then "Connected again" for a
// few seconds once it is back and the conversations are resumed.
import { useEffect, useRef, useState } from 'preact/hooks';
import { connectionWords, type ConnectionState } from '../lib/connection';
import { useNow } from '../lib/hooks';

const againForMs = 4000;

export function ConnectionBanner({ state, waiting, onRetry }: { state: ConnectionState; waiting: number; onRetry: () => void }) {
  const [again, setAgain] = useState(false);
  const wasDown = useRef(false);
  const now = useNow(1000, state.kind === 'reconnecting');

  useEffect(() => {
    if (state.kind === 'reconnecting') wasDown.current = true;
    if (state.kind !== 'connected' || !wasDown.current) return;
    wasDown.current = false;
    setAgain(true);
    const t = setTimeout(() => setAgain(false), againForMs);
    return () => clearTimeout(t);
  }, [state.kind]);

  const down = state.kind === 'reconnecting' || (state.kind === 'connecting' && wasDown.current);
  return (
    <div class={`conn-banner${down ? ' down' : again ? ' again' : ''}`} role="status" data-testid="connection-banner">
      {down && (
        <>
          <span>{connectionWords(state, now)}</span>
          {waiting > 0 && <span> {waiting} {waiting === 1 ? 'line waits' : 'lines wait'} to be sent.</span>}
          {state.kind === 'reconnecting' && <button type="button" class="link" onClick={onRetry}>Reconnect now</button>}
        </>
      )}
      {!down && again && <span>Connected again.</span>}
    </div>
  );
}
