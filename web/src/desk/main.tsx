// The Agent desk's entry: signs the member of staff in (StaffGate) and shows the page. A placeholder
// until the agent desk (offers, conversations, replies) is built on src/lib.
import { render } from 'preact';
import '../styles/base.css';
import { RestClient } from '../lib/rest';
import { StaffGate } from '../lib/sign_in';
import { StaffFrame } from '../lib/staff_page';

const rest = new RestClient();
const title = 'Agent desk';

render(
  <StaffGate rest={rest} title={title}>
    {(session, { signOut }) => (
      <StaffFrame title={title} session={session} onSignOut={signOut}>
        <p>Signed in. The agent desk (offers, conversations, replies) is on its way.</p>
      </StaffFrame>
    )}
  </StaffGate>,
  document.getElementById('app')!,
);
