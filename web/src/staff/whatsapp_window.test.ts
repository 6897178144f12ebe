import { describe, expect, it } from 'vitest';
import { fillTemplate, variableOk } from './whatsapp_window';

describe("WhatsApp's templates in the desk", () => {
  it('fills each {{n}} with its value, and shows the ones still blank as they are', () => {
    expect(fillTemplate('Hi {{1}}, order {{2}} ({{1}})', ['Ana', '1042'])).toBe('Hi Ana, order 1042 (Ana)');
    expect(fillTemplate('Hi {{1}}, order {{2}}', ['Ana'])).toBe('Hi Ana, order {{2}}');
    expect(fillTemplate('Hi {{1}}', ['  '])).toBe('Hi {{1}}');
    expect(fillTemplate('Hi {{1}}', ['{{1}}'])).toBe('Hi {{1}}');
  });

  it('takes the values WhatsApp takes: 1-1024 characters on one line, no tabs', () => {
    expect(variableOk('Ana')).toBe(true);
    expect(variableOk('  ')).toBe(false);
    expect(variableOk('a\nb')).toBe(false);
    expect(variableOk('a\tb')).toBe(false);
    expect(variableOk('x'.repeat(1024))).toBe(true);
    expect(variableOk('x'.repeat(1025))).toBe(false);
  });
});
