// The staff pages (the agent desk, the lead console's desk) as a person uses them, by the names and
// roles they give (src/staff/): sign in, set a status, the offers, a conversation's pane (an article
// named after the customer) with its timeline (a log) and composer, and the action forms.
import { expect, type Locator, type Page } from '@playwright/test';

/** Opens `path` and signs in; resolves once the page's socket is connected. */
export async function signIn(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('banner').getByRole('status')).toHaveText('Connected');
}

export async function setStatus(page: Page, status: 'Available' | 'Offline'): Promise<void> {
  const button = page.getByRole('group', { name: 'Set your status' }).getByRole('button', { name: status, exact: true });
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('status-now')).toContainText(status);
}

export function offers(page: Page): Locator {
  return page.getByTestId('offer');
}

/** The pane of the conversation with `customer` (its heading), in a page or a part of one. */
export function pane(within: Page | Locator, customer: string | RegExp): Locator {
  return within.getByRole('article', { name: customer });
}

export function timeline(pane: Locator): Locator {
  return pane.getByRole('log');
}

/** The message bubbles of a pane's timeline (customer and staff, not internal lines), in order. */
export function messages(pane: Locator): Locator {
  return timeline(pane).getByTestId('message').locator('.bubble');
}

export function composer(pane: Locator): Locator {
  return pane.getByTestId('composer');
}

/** Writes in the composer in `mode` (Reply, Internal note, Whisper, Barge in) and sends with Enter. */
export async function write(pane: Locator, text: string, mode?: string): Promise<void> {
  if (mode) await pane.getByRole('group', { name: 'Write' }).getByRole('button', { name: mode, exact: true }).click();
  const box = composer(pane);
  await box.fill(text); // typing key by key is for the typing tests
  await box.press('Enter');
}

/** Opens an action form (Transfer, Resolve, Take over…) of a pane. */
export async function action(pane: Locator, name: string): Promise<Locator> {
  await pane.getByRole('button', { name, exact: true }).click();
  const form = pane.locator('form.pane-form');
  await expect(form).toBeVisible();
  return form;
}

/** Sets the agent away with `reason` (one of the list, or any other words via "other…"). */
export async function setAway(page: Page, reason: string): Promise<void> {
  const group = page.getByRole('group', { name: 'Set your status' });
  await group.getByRole('button', { name: 'Away…', exact: true }).click();
  const form = page.getByRole('form', { name: 'Away reason' });
  const listed = ['lunch', 'break', 'meeting', 'training'];
  if (listed.includes(reason)) {
    await form.getByLabel('Reason').selectOption(reason);
  } else {
    await form.getByLabel('Reason').selectOption('other');
    await form.getByLabel('Other reason').fill(reason);
  }
  await form.getByRole('button', { name: 'Set away' }).click();
  await expect(group.getByRole('button', { name: 'Away…', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('status-now')).toContainText(`Away · ${reason}`);
}

/** The seconds an offer's countdown says are left (its timer's accessible name). */
export async function offerSecondsLeft(offer: Locator): Promise<number> {
  const name = (await offer.getByRole('timer').getAttribute('aria-label')) ?? '';
  const m = /^(\d+) seconds left$/.exec(name);
  if (!m) throw new Error(`the offer's timer says "${name}"`);
  return Number(m[1]);
}

/** The desk's list of conversations (the side column's navigation). */
export function conversationList(page: Page): Locator {
  return page.getByRole('navigation', { name: /^Conversations/ });
}

/** The canned replies' list the composer opens on "/". */
export function cannedList(within: Page | Locator): Locator {
  return within.getByRole('listbox', { name: 'Canned replies' });
}

/** A conversation's id as the board and the console's lists show it ("…" and its last 12 characters). */
export function boardId(conversationId: string): string {
  return conversationId.length > 12 ? `…${conversationId.slice(-12)}` : conversationId;
}

/**
 * On the console's live board: the agent's row button for the conversation ("Monitor conversation
 * … of ana"); clicking it monitors the conversation in the panel beside the board.
 */
export function boardConversation(lead: Page, conversationId: string, agentId: string): Locator {
  return lead.getByRole('button', { name: `Monitor conversation ${boardId(conversationId)} of ${agentId}`, exact: true });
}

/** Monitors a conversation from its agent's board row; resolves with its pane in the panel. */
export async function monitorFromBoard(lead: Page, conversationId: string, agentId: string, customer: string | RegExp): Promise<Locator> {
  await lead.getByRole('tab', { name: 'Live board' }).click();
  await boardConversation(lead, conversationId, agentId).click();
  const panel = lead.getByRole('complementary', { name: 'Monitored conversation' });
  const p = pane(panel, customer);
  await expect(p).toHaveAttribute('data-conversation-id', conversationId);
  return p;
}
