// A customer (the widget in the shop), an agent (Ana at the desk) and a lead (Lea at the console)
// in three browser contexts against one real Switchboard: the offer and accept, messages both
// ways, reloads that lose and duplicate nothing, the lead monitoring from the board and whispering
// (the customer never sees it), taking over and handing back, a trainee's reply approved by the
// lead, a transfer to the lead, resolve and the customer's rating.
import type { Event } from '../src/lib/types';
import * as desk from './support/desk';
import { changeProfile, setTrainee, staffFetch } from './support/staff_rest';
import { expect, expectAccessible, screenshot, test, useSwitchboard } from './support/fixtures';
import * as widget from './support/widget';

const sb = useSwitchboard({ name: 'staff' });

test('customer, agent and lead: monitor, whisper, take over, hand back, trainee approval, transfer, resolve, rating', async ({ browser }) => {
  test.setTimeout(240_000);
  const customerContext = await browser.newContext();
  const agentContext = await browser.newContext();
  const leadContext = await browser.newContext();
  try {
    const agent = await agentContext.newPage();
    await desk.signIn(agent, `${sb.server.url}/desk/`, 'ana', 'ana-dev');
    await desk.setStatus(agent, 'Available');
    const lead = await leadContext.newPage();
    await desk.signIn(lead, `${sb.server.url}/console/`, 'lea', 'lea-dev');
    await expect(lead.getByRole('tab', { name: 'Live board' })).toHaveAttribute('aria-selected', 'true');

    // The customer writes; Ana gets the offer and accepts.
    const customer = await customerContext.newPage();
    await customer.goto(`${sb.server.url}/shop/`);
    await widget.open(customer);
    await widget.startChat(customer, 'The zip of my jacket broke', { name: 'Dana Customer', email: 'dana@example.com' });
    const offer = desk.offers(agent);
    await expect(offer).toContainText('“The zip of my jacket broke”');
    await offer.getByRole('button', { name: 'Accept' }).click();
    const agentPane = desk.pane(agent, 'Dana Customer');
    const conversationId = (await agentPane.getAttribute('data-conversation-id'))!;
    expect(conversationId).toBe(await widget.storedConversationId(customer));

    // Messages both ways.
    const expected = ['The zip of my jacket broke'];
    const say = async (text: string) => {
      await widget.say(customer, text);
      expected.push(text);
      await expect(desk.messages(agentPane).last()).toHaveText(text);
    };
    const reply = async (text: string) => {
      await desk.write(agentPane, text);
      expected.push(text);
      await expect(widget.bubbles(customer).last()).toContainText(text);
    };
    await reply('Sorry to hear that. Which jacket is it?');
    await say('The storm shell, bought in March');

    // The board shows Ana with the conversation; Lea opens it beside the board (monitoring).
    const monitorButton = lead.getByRole('button', { name: new RegExp(`^Monitor conversation \\S+ of ana$`) });
    await expect(monitorButton).toHaveCount(1);
    await screenshot(lead, 'console-board');
    await expectAccessible(lead, 'console, live board');
    await monitorButton.click();
    const panel = lead.getByRole('complementary', { name: 'Monitored conversation' });
    const leadPane = desk.pane(panel, 'Dana Customer');
    await expect(leadPane).toHaveAttribute('data-conversation-id', conversationId);
    await expect(leadPane.getByText('You are monitoring · owner Ana')).toBeVisible();
    await expect(desk.messages(leadPane)).toHaveText(expected);
    await expect(agentPane.getByText('Lea is monitoring')).toBeVisible();

    // A whisper: Ana sees it, the customer never does.
    const whisper = 'Offer the free repair before a refund';
    await desk.write(leadPane, whisper, 'Whisper');
    await expect(desk.timeline(agentPane).getByTestId('whisper')).toContainText(whisper);
    await screenshot(lead, 'console-monitoring');
    await expectAccessible(lead, 'console, monitoring a conversation');

    // Reloads mid-conversation, after the whisper: the customer's transcript and Ana's timeline
    // have every line once, the whisper only on Ana's side.
    await reply('We can repair it for free.');
    await customer.reload();
    await widget.open(customer);
    await expect(widget.bubbles(customer)).toHaveCount(expected.length);
    expect(await widget.messageTexts(customer)).toEqual(expected);
    await agent.reload();
    await expect(desk.messages(agentPane)).toHaveText(expected);
    await expect(desk.timeline(agentPane).getByTestId('whisper')).toHaveCount(1);
    // Lea reloads the console: she is still monitoring (the tab remembers), with the whole
    // conversation and her whisper once; the board's panel opens it again.
    await lead.reload();
    await expect(lead.getByRole('banner').getByRole('status')).toHaveText('Connected');
    await lead.getByRole('tab', { name: /^Conversations/ }).click();
    const restored = desk.pane(lead.getByRole('tabpanel', { name: /^Conversations/ }), 'Dana Customer');
    await expect(restored.getByText('You are monitoring · owner Ana')).toBeVisible();
    await expect(desk.messages(restored)).toHaveText(expected);
    await expect(desk.timeline(restored).getByTestId('whisper')).toHaveCount(1);
    await lead.getByRole('tab', { name: 'Live board' }).click();
    await monitorButton.click();
    await expect(leadPane).toHaveAttribute('data-conversation-id', conversationId);
    await say('Great, how do I send it?');

    // Lea takes over: Ana's desk lets it go; Lea writes to the customer herself.
    let form = await desk.action(leadPane, 'Take over');
    await form.getByLabel('Reason (the agent reads it)').fill('The customer asked for a manager');
    await form.getByRole('button', { name: 'Take over' }).click();
    await expect(leadPane.getByText('You own it')).toBeVisible();
    await expect(agentPane).toHaveCount(0);
    const agentList = agent.getByRole('navigation', { name: /^Conversations/ });
    await expect(agentList.getByRole('button', { name: 'Dana Customer Taken over by Lea' })).toBeVisible();
    const leadReply = 'Hi Dana, I am Lea, the team lead. A courier label is on its way.';
    await desk.write(leadPane, leadReply, 'Reply');
    expected.push(leadReply);
    await expect(widget.bubbles(customer).last()).toContainText(leadReply);
    await expect(widget.headline(customer)).toHaveText('Chatting with Lea');

    // Lea hands it back: it is offered to Ana first; she accepts and carries on.
    form = await desk.action(leadPane, 'Hand back');
    await expect(form.getByRole('combobox', { name: 'Agent' })).toHaveValue('ana');
    await form.getByLabel('Note for the next owner').fill('Label sent, please follow up');
    await form.getByRole('button', { name: 'Hand back' }).click();
    await expect(offer).toHaveCount(1);
    await offer.getByRole('button', { name: 'Accept' }).click();
    await expect(desk.messages(agentPane)).toHaveText(expected);
    await expect(desk.timeline(agentPane).getByText(/Lea transferred it to Ana: “Label sent, please follow up”/)).toBeVisible();
    await reply('Thanks Lea. Dana, the label is in your email.');

    // Ana becomes a trainee: her reply waits as a draft until Lea approves it.
    await setTrainee(lead, true);
    const draft = 'You will get the jacket back within a week.';
    await desk.write(agentPane, draft);
    await expect(desk.timeline(agentPane).getByTestId('draft')).toContainText(draft);
    await expect(desk.timeline(agentPane).getByTestId('draft')).toContainText('Draft · awaiting approval');
    const draftsTab = lead.getByRole('tab', { name: /^Drafts/ });
    await expect(draftsTab).toContainText('1');
    await draftsTab.click();
    const card = lead.getByTestId('draft-card');
    await expect(card).toHaveCount(1);
    await expect(card.getByLabel('The draft', { exact: true })).toHaveText(draft);
    await screenshot(lead, 'console-drafts');
    await expectAccessible(lead, 'console, a trainee draft');
    // A reload of the console keeps the draft waiting (found again in the trainee's conversations).
    await lead.reload();
    await expect(lead.getByRole('banner').getByRole('status')).toHaveText('Connected');
    await lead.getByRole('tab', { name: /^Drafts/ }).click();
    await expect(card).toHaveCount(1);
    await expect(card.getByLabel('The draft', { exact: true })).toHaveText(draft);
    expect(await widget.messageTexts(customer)).not.toContain(draft); // not before the approval
    await card.getByRole('button', { name: 'Approve' }).click();
    await expect(card).toHaveCount(0);
    expected.push(draft);
    await expect(widget.bubbles(customer).last()).toContainText(draft);
    await expect(widget.headline(customer)).toHaveText('Chatting with Ana');
    await expect(desk.timeline(agentPane).getByTestId('message').last()).toContainText('Approved by Lea');
    await setTrainee(lead, false);

    // Ana transfers it to Lea, who accepts and resolves it. A transfer to an agent without the
    // queue's skills is not offered to them (see transfer.spec.ts): Lea takes the skill first.
    const skills = (await changeProfile(lead, 'lea', (p) => ({ ...p, skills: [{ name: 'lead', proficiency: 1 }, { name: 'support', proficiency: 3 }] }))).skills;
    expect(skills).toEqual(expect.arrayContaining([{ name: 'support', proficiency: 3 }]));
    await lead.getByRole('group', { name: 'Your status' }).getByRole('button', { name: 'Available' }).click();
    form = await desk.action(agentPane, 'Transfer');
    await form.getByRole('radio', { name: 'An agent' }).check();
    await form.getByRole('combobox', { name: 'Agent' }).fill('lea');
    await form.getByLabel('Note for the next owner').fill('She wants a discount on the next order');
    await form.getByRole('button', { name: 'Transfer' }).click();
    await expect(agentPane).toHaveCount(0);
    await expect(agentList.getByRole('button', { name: 'Dana Customer Transferred to Lea' })).toBeVisible();
    const leadOffer = desk.offers(lead);
    await expect(leadOffer).toHaveCount(1);
    await leadOffer.getByRole('button', { name: 'Accept' }).click();
    await lead.getByRole('tab', { name: /^Conversations/ }).click();
    const ownPane = desk.pane(lead.getByRole('tabpanel', { name: /^Conversations/ }), 'Dana Customer');
    await expect(ownPane.getByText('You own it')).toBeVisible();
    await expect(desk.messages(ownPane)).toHaveText(expected);
    form = await desk.action(ownPane, 'Resolve');
    await form.getByRole('button', { name: 'Resolve' }).click();

    // The customer sees the end and rates it; the rating is stored.
    await expect(widget.transcript(customer).getByText('The chat has ended.')).toBeVisible();
    const rating = widget.panel(customer).getByRole('form', { name: 'How was this chat?' });
    await rating.getByRole('radio', { name: '5 out of 5' }).click();
    await rating.getByRole('button', { name: 'Send rating' }).click();
    await expect(widget.transcript(customer).getByText('You rated this chat 5 out of 5. Thank you!')).toBeVisible();

    // Nothing lost, nothing twice, nothing staff-only shown to the customer.
    expect(await widget.messageTexts(customer)).toEqual(expected);
    const stored = await staffFetch<{ events: Event[] }>(lead, 'GET', `/v1/conversations/${encodeURIComponent(conversationId)}?after_seq=0&limit=1000`);
    expect(stored.status).toBe(200);
    const events = stored.body.events;
    expect(events.filter((e) => e.message && e.message.direction !== 'DIRECTION_INTERNAL').map((e) => e.message!.body)).toEqual(expected);
    expect(events.filter((e) => e.whisper).map((e) => e.whisper!.body)).toEqual([whisper]);
    expect(events.filter((e) => e.takeover).map((e) => e.takeover!.leadId)).toEqual(['lea']);
    expect(events.filter((e) => e.draft).map((e) => e.draft!.body)).toEqual([draft]);
    expect(events.filter((e) => e.rating).map((e) => e.rating!.score)).toEqual([5]);
    const customerSaw = await widget.transcript(customer).innerText();
    expect(customerSaw).not.toContain(whisper);
    expect(customerSaw).not.toContain('The customer asked for a manager');
  } finally {
    await customerContext.close();
    await agentContext.close();
    await leadContext.close();
  }
});

test('the console is for leads: an agent is sent to the desk', async ({ page }) => {
  await page.goto(`${sb.server.url}/console/`);
  await page.getByLabel('User').fill('ben');
  await page.getByLabel('Password').fill('ben-dev');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'This page is for team leads' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'agent desk' })).toHaveAttribute('href', '/desk/');
});
