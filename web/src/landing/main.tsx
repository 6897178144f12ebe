// The landing page: what Switchboard is and where to go.
import { render } from 'preact';
import '../styles/base.css';

render(
  <main class="staff-main">
    <h1>Switchboard</h1>
    <ul>
      <li><a href="/shop/">Demo shop</a></li>
      <li><a href="/desk/">Agent desk</a></li>
      <li><a href="/console/">Lead console</a></li>
    </ul>
  </main>,
  document.getElementById('app')!,
);
