// The customer widget as a customer uses it, by the names and roles it gives (src/widget/): the
// launcher, the panel (a dialog named after data-title), the pre-chat form, the composer and the
// transcript (a log named "Messages"). Playwright's locators reach into its open shadow root.
import { expect, type Locator, type Page } from '@playwright/test';

export const title = 'Chat with us'; // shop/index.html's data-title

export function launcher(page: Page): Locator {
  return page.getByRole('button', { name: new RegExp(`^(Close )?${title}`) });
}

export function panel(page: Page): Locator {
  return page.getByRole('dialog', { name: title });
}

export function transcript(page: Page): Locator {
  return panel(page).getByRole('log', { name: 'Messages' });
}

/** The message bubbles in the transcript, in order. */
export function bubbles(page: Page): Locator {
  return transcript(page).locator('.line .bubble');
}

/** The bubbles' texts without the screen-reader prefix ("You: ", "Ana: "). */
export async function messageTexts(page: Page): Promise<string[]> {
  return (await bubbles(page).allInnerTexts()).map((t) => t.replace(/^(You|[A-Z][\w-]*): ?/, '').trim());
}

export function headline(page: Page): Locator {
  return panel(page).locator('#sb-status');
}

export async function open(page: Page): Promise<void> {
  await launcher(page).click();
  await expect(panel(page)).toBeVisible();
}

/** Fills the pre-chat form and starts the chat. */
export async function startChat(page: Page, question: string, details: { name?: string; email?: string } = {}): Promise<void> {
  const p = panel(page);
  if (details.name !== undefined) await p.getByLabel('Your name (optional)').fill(details.name);
  if (details.email !== undefined) await p.getByLabel('Email (optional)').fill(details.email);
  await p.getByLabel('Your question').fill(question);
  await p.getByRole('button', { name: 'Start chat' }).click();
}

/** Writes in the composer and sends with Enter (typing key by key is for the typing tests). */
export async function say(page: Page, text: string): Promise<void> {
  const box = panel(page).getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/**
 * The conversation id the widget keeps in the page's storage (one per server), once it has one:
 * the widget stores it when the server's answer to "Start chat" arrives, after the click returns.
 */
export async function storedConversationId(page: Page): Promise<string> {
  const read = () =>
    page.evaluate(() => {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i) ?? '';
        if (key.startsWith('switchboard:') && key.endsWith(':conversation')) {
          return (JSON.parse(localStorage.getItem(key) ?? '{}') as { conversationId?: string }).conversationId ?? '';
        }
      }
      return '';
    });
  let id = '';
  await expect.poll(async () => (id = await read())).not.toBe('');
  return id;
}
