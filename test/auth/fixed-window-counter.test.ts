import { describe, expect, it } from '@jest/globals';
import { createFixedWindowCounter } from '../../src/auth/fixed-window-counter';

describe('the fixed-window counter behind every throttle', () => {
  it('refuses a key at its limit until its window ends, then counts it afresh', () => {
    let time = 0;
    const counter = createFixedWindowCounter(10, () => time);
    for (let i = 0; i < 3; i++) counter.add('a');
    expect(counter.retryAfter('a', 3)).toBe(10);
    time = 9_500;
    expect(counter.retryAfter('a', 3)).toBe(1);
    time = 10_000;
    expect(counter.retryAfter('a', 3)).toBe(0);
    expect(counter.add('a').count).toBe(1);
  });

  it('keeps a window reopened after others while dropping the ended ones, and never drops a live one', () => {
    let time = 0;
    const counter = createFixedWindowCounter(10, () => time);
    counter.add('a');
    time = 5_000;
    counter.add('b');
    time = 11_000;
    counter.add('a');
    counter.add('a');
    time = 16_000;
    for (let i = 0; i < 1000; i++) counter.add(`flood-${i}`);
    expect(counter.retryAfter('a', 2)).toBe(5);
    expect(counter.retryAfter('b', 1)).toBe(0);
  });

  it('holds a name of any length as one bounded key', () => {
    const counter = createFixedWindowCounter(10, () => 0);
    const long = 'x'.repeat(100_000);
    counter.add(long);
    counter.add(long);
    expect(counter.retryAfter(long, 2)).toBe(10);
    expect(counter.retryAfter(`${long}y`, 1)).toBe(0);
  });
});
