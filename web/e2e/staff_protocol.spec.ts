// What the staff pages rely on, checked at the protocol (protocol clients for the staff, the widget
// for the customer) where a page shows it only indirectly; a reported server defect not fixed yet
// is a test.fail. The trainee test changes Ana's profile: it stays last.
import { AgentSocket } from './support/agent_socket';
import { expect, test, useSwitchboard } from './support/fixtures';
import * as widget from './support/widget';

const sb = useSwitchboard({ name: 'staff-protocol' });

test('a transfer to a named agent the router could never offer it to is refused, nothing written', async ({ browser }) => {
  // Seen here before the server refused it: Lea (a lead, without the queue's support skill) was
  // named, the router rejected her (SKILL_MISSING) and offered the chat straight back to Ana.
  const context = await browser.newContext();
  try {
    const ana = await AgentSocket.open(context, sb.server, await sb.server.token('agent', 'ana', ['care']));
    const lea = await AgentSocket.open(context, sb.server, await sb.server.token('lead', 'lea', ['care', 'tech']));
    await ana.request({ setStatus: { status: 'AVAILABLE' } });
    await lea.request({ setStatus: { status: 'AVAILABLE' } });
    const customer = await context.newPage();
    await customer.goto(`${sb.server.url}/shop/`);
    await widget.open(customer);
    await widget.startChat(customer, 'I would like to speak to a manager');
    const offered = await ana.waitFor((f) => !!f.offer?.preview?.includes('manager'), 'the offer to Ana');
    const conversationId = offered.offer!.conversationId!;
    await ana.request({ answerOffer: { conversationId, accept: true } });
    const refusal = await ana
      .request({ actionId: 'to-lea', transfer: { conversationId, toAgentId: 'lea', note: 'for the manager' } })
      .then(() => 'accepted', (e: Error) => e.message);
    expect(refusal).toContain('lacks the skill support');
    // Still Ana's: she can reply.
    const reply = await ana.request({ sendMessage: { conversationId, message: { body: 'Let me help you myself.', clientMessageId: 'still-mine' } } });
    expect(reply.ack?.conversationId).toBe(conversationId);
  } finally {
    await context.close();
  }
});

test('a trainee\'s draft pushed to the leads carries its eventId and atMs', async ({ browser }) => {
  // Seen here before the server's adda1db fixed it: the copy pushed to the leads had no
  // eventId and no atMs, so the console's draft card showed no time.
  const context = await browser.newContext();
  try {
    const leaToken = await sb.server.token('lead', 'lea', ['care', 'tech']);
    const ana = await AgentSocket.open(context, sb.server, await sb.server.token('agent', 'ana', ['care']));
    const lea = await AgentSocket.open(context, sb.server, leaToken);
    await ana.request({ setStatus: { status: 'AVAILABLE' } });
    const auth = { Authorization: `Bearer ${leaToken}` };
    const profile = (await (await context.request.get(`${sb.server.url}/v1/agents/ana`, { headers: auth })).json()) as Record<string, unknown>;
    const { id: _id, connections: _c, status: _s, statusSinceMs: _t, ...rest } = profile;
    expect((await context.request.put(`${sb.server.url}/v1/agents/ana`, { headers: auth, data: { ...rest, trainee: true } })).status()).toBe(200);
    const customer = await context.newPage();
    await customer.goto(`${sb.server.url}/shop/`);
    await widget.open(customer);
    await widget.startChat(customer, 'Is the jacket waterproof?');
    const conversationId = (await ana.waitFor((f) => !!f.offer?.preview?.includes('waterproof'), 'the offer to Ana')).offer!.conversationId!;
    await ana.request({ answerOffer: { conversationId, accept: true } });
    await ana.request({ sendMessage: { conversationId, message: { body: 'Yes, to 10,000 mm.', clientMessageId: 'draft-1' } } });
    const own = (await ana.waitFor((f) => !!f.event?.draft, 'the draft on Ana\'s desk')).event!;
    expect(own.atMs).toBeTruthy();
    const pushed = (await lea.waitFor((f) => !!f.event?.draft, 'the draft pushed to Lea')).event!;
    expect(pushed.seq).toBe(own.seq);
    expect({ eventId: pushed.eventId, atMs: pushed.atMs }).toEqual({ eventId: own.eventId, atMs: own.atMs });
  } finally {
    await context.close();
  }
});
