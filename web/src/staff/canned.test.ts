import { describe, expect, it } from 'vitest';
import { applyCanned, cannedTrigger, fillCanned, repliesForTeams, searchCanned } from './canned';

const replies = [
  { id: 'hello', team: '', title: 'Greeting', body: 'Hi {{customer.name}}, I’m {{agent.name}}. How can I help you today?' },
  { id: 'checking', team: '', title: 'Checking', body: 'Let me check.' },
  { id: 'refund', team: 'care', title: 'Refund policy', body: 'Refunds go back within 5 days.' },
  { id: 'restart', team: 'tech', title: 'Restart the router', body: 'Unplug it.' },
  { id: 'bye', team: '', title: 'Closing', body: 'Anything else, {{customer.name}}?' },
];

describe('cannedTrigger', () => {
  it('finds a slash at the start or after a space, up to the caret', () => {
    expect(cannedTrigger('/he', 3)).toEqual({ start: 0, end: 3, query: 'he' });
    expect(cannedTrigger('ok /ref', 7)).toEqual({ start: 3, end: 7, query: 'ref' });
    expect(cannedTrigger('/', 1)).toEqual({ start: 0, end: 1, query: '' });
  });
  it('ignores slashes inside words, urls, and text after a space', () => {
    expect(cannedTrigger('and/or', 6)).toBeNull();
    expect(cannedTrigger('see http://x', 12)).toBeNull();
    expect(cannedTrigger('/hello there', 12)).toBeNull();
  });
});

describe('searchCanned', () => {
  it('ranks id prefixes, then title words, then anything containing the query', () => {
    expect(searchCanned(replies, 're').map((r) => r.id)).toEqual(['refund', 'restart', 'hello']); // gREeting contains it
    expect(searchCanned(replies, 'polic').map((r) => r.id)).toEqual(['refund']);
    expect(searchCanned(replies, 'router').map((r) => r.id)).toEqual(['restart']);
    expect(searchCanned(replies, 'eck').map((r) => r.id)).toEqual(['checking']);
  });
  it('lists everything for an empty query, in order, and ignores case and accents', () => {
    expect(searchCanned(replies, '')).toHaveLength(5);
    expect(searchCanned(replies, 'GRÉET').map((r) => r.id)).toEqual(['hello']);
  });
  it('keeps a team’s replies to that team', () => {
    expect(repliesForTeams(replies, ['care']).map((r) => r.id)).toEqual(['hello', 'checking', 'refund', 'bye']);
  });
});

describe('fillCanned', () => {
  it('fills the variables', () => {
    expect(fillCanned(replies[0].body, { 'customer.name': 'Carla', 'agent.name': 'Ana' })).toBe('Hi Carla, I’m Ana. How can I help you today?');
    expect(fillCanned('Mail {{customer.email}} for {{queue}}', { 'customer.email': 'c@x.io', queue: 'general' })).toBe('Mail c@x.io for general');
  });
  it('leaves no hole when a value is unknown', () => {
    expect(fillCanned(replies[0].body, { 'agent.name': 'Ana' })).toBe('Hi, I’m Ana. How can I help you today?');
    expect(fillCanned(replies[4].body, {})).toBe('Anything else?');
  });
  it('keeps unknown variable names as written', () => {
    expect(fillCanned('Hi {{customer.nmae}}', { 'customer.name': 'C' })).toBe('Hi {{customer.nmae}}');
  });
  it('puts the body in place of the trigger', () => {
    const t = cannedTrigger('Thanks! /che', 12)!;
    expect(applyCanned('Thanks! /che', t, 'Let me check.')).toEqual({ text: 'Thanks! Let me check.', caret: 21 });
  });
});
