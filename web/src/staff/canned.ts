// Canned replies in the composer: typing "/" opens a list searched by id and title, and Enter
// puts the reply's body in place of "/query", its variables filled. Plain functions: where the
// "/" trigger is, which replies match, and how a body is filled.
import type { CannedReply } from './api';

/** The "/query" before the caret, when the composer is asking for a canned reply. */
export interface CannedTrigger {
  /** Where the "/" is. */
  start: number;
  /** The caret. */
  end: number;
  query: string;
}

/** A "/" at the start or after a space, then letters, digits, "-" or "_" up to the caret. */
export function cannedTrigger(text: string, caret: number): CannedTrigger | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(before);
  if (!m) return null;
  const start = caret - m[2].length - 1;
  return { start, end: caret, query: m[2] };
}

/** Replies of the agent's teams (a reply with no team is everyone's). */
export function repliesForTeams(replies: readonly CannedReply[], teams: readonly string[]): CannedReply[] {
  return replies.filter((r) => !r.team || teams.includes(r.team));
}

/**
 * Replies matching a query, best first: ids starting with it, then titles with a word starting
 * with it, then ids or titles containing it. Case and accents do not matter.
 */
export function searchCanned(replies: readonly CannedReply[], query: string): CannedReply[] {
  const q = fold(query.trim());
  if (!q) return [...replies];
  const ranked: { reply: CannedReply; rank: number; at: number }[] = [];
  replies.forEach((reply, at) => {
    const id = fold(reply.id);
    const title = fold(reply.title);
    let rank = 0;
    if (id.startsWith(q)) rank = 3;
    else if (title.split(/\s+/).some((w) => w.startsWith(q))) rank = 2;
    else if (id.includes(q) || title.includes(q)) rank = 1;
    if (rank) ranked.push({ reply, rank, at });
  });
  ranked.sort((a, b) => b.rank - a.rank || a.at - b.at);
  return ranked.map((r) => r.reply);
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

export interface CannedVariables {
  'customer.name': string;
  'customer.email': string;
  'agent.name': string;
  queue: string;
}

/**
 * The body with its {{variables}} filled. An unknown value leaves no hole: "Hi {{customer.name}},"
 * becomes "Hi," and "for you, {{customer.name}}?" becomes "for you?". Unknown variable names are
 * kept as written, so a typo in the config shows.
 */
export function fillCanned(body: string, vars: Partial<CannedVariables>): string {
  return body.replace(/(,?[ \t]*)\{\{\s*([\w.]+)\s*\}\}/g, (whole, lead: string, name: string) => {
    if (!(name in knownVariables)) return whole;
    const value = (vars[name as keyof CannedVariables] ?? '').trim();
    return value ? lead + value : '';
  });
}

const knownVariables: Record<keyof CannedVariables, true> = {
  'customer.name': true,
  'customer.email': true,
  'agent.name': true,
  queue: true,
};

/** The composer's text with the trigger replaced by `insert`, and where the caret goes. */
export function applyCanned(text: string, trigger: CannedTrigger, insert: string): { text: string; caret: number } {
  const out = text.slice(0, trigger.start) + insert + text.slice(trigger.end);
  return { text: out, caret: trigger.start + insert.length };
}
