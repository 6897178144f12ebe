// The Lead console's entry: signs the member of staff in (StaffGate) and shows the page. A placeholder
// until the lead console (live boards, monitoring, reports) is built on src/lib.
import { render } from 'preact';
import '../styles/base.css';
import { RestClient } from '../lib/rest';
import { StaffGate } from '../lib/sign_in';
import { useStaffConnection } from '../lib/staff_connection';
import { StaffFrame } from '../lib/staff_page';
import type { StaffSession } from '../lib/types';

const rest = new RestClient();
const title = 'Lead console';

function Page({ session, signOut, lost }: { session: StaffSession; signOut: () => Promise<void>; lost: () => void }) {
  const { state } = useStaffConnection({ rest, onSignedOut: lost });
  return (
    <StaffFrame title={title} session={session} onSignOut={signOut} connection={state}>
      <p>Signed in. The lead console (live boards, monitoring, reports) is on its way.</p>
    </StaffFrame>
  );
}

render(
  <StaffGate rest={rest} title={title}>
    {(session, { signOut, lost }) => <Page session={session} signOut={signOut} lost={lost} />}
  </StaffGate>,
  document.getElementById('app')!,
);
