import { describe, expect, it } from 'vitest';
import { countdown, ServerClock } from './clock';

describe('ServerClock', () => {
  it('estimates the offset from a pong, half-way through the round trip', () => {
    let local = 1_000_000;
    const clock = new ServerClock(() => local);
    expect(clock.synced).toBe(false);
    // sent at 1_000_000, answered at 1_000_200; the server read its clock at 5_000_100
    clock.observe(1_000_000, 5_000_100, 1_000_200);
    expect(clock.offsetMs).toBe(4_000_000);
    local = 1_001_000;
    expect(clock.now()).toBe(5_001_000);
  });

  it('trusts the sample with the shortest round trip', () => {
    const clock = new ServerClock(() => 0);
    clock.observe(0, 1_500, 1_000); // slow: 1000 ms round trip, offset 1000 ± 500
    clock.observe(2_000, 3_010, 2_020); // fast: 20 ms round trip, offset 1000
    clock.observe(4_000, 6_000, 5_000);
    expect(clock.offsetMs).toBe(1_000);
  });
});

describe('countdown', () => {
  it('counts to a server deadline by the server clock, not the local one', () => {
    const clock = new ServerClock(() => 10_000);
    clock.observe(10_000, 70_000, 10_000); // the server is a minute ahead
    expect(countdown(75_000, clock)).toEqual({ remainingMs: 5_000, seconds: 5, expired: false });
    expect(countdown(70_001, clock)).toEqual({ remainingMs: 1, seconds: 1, expired: false });
    expect(countdown(65_000, clock)).toEqual({ remainingMs: 0, seconds: 0, expired: true });
  });
});
