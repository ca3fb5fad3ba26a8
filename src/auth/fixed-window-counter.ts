import { hash } from 'node:crypto';

/**
 * Attempts per key in fixed windows: the first attempt opens a window of `windowSeconds`, and a key
 * that has reached its limit waits until that window ends. The one mechanism behind the login and
 * the client-authentication throttles. Kept in memory: each process counts on its own.
 */
export interface FixedWindowCounter {
  /** Seconds until `key` is under `limit` again; 0 when it is now. */
  retryAfter(key: string, limit: number): number;
  /** Counts one attempt against `key`; the window it went into is what `remove` takes it back from. */
  add(key: string): CountWindow;
  /** Takes back one attempt counted in `window`, unless that window has since ended or been cleared. */
  remove(key: string, window: CountWindow): void;
  clear(key: string): void;
}

export interface CountWindow {
  count: number;
  readonly resetAt: number;
}


/**
 * Keys come from requests (a user name may be as long as a body): a long one is kept as its
 * SHA-256, so what the map holds is bounded by the number of keys, not by what callers send.
 */
const MAX_KEY_LENGTH = 128;
const keyOf = (key: string) => (key.length <= MAX_KEY_LENGTH ? key : `#${hash('sha256', key, 'base64')}`);

export function createFixedWindowCounter(windowSeconds: number, now = () => Date.now()): FixedWindowCounter {
  const windows = new Map<string, CountWindow>();

  /**
   * Windows are kept in the order they opened (a reopened key moves to the end), which is the
   * order they end in: ended ones are dropped from the front, so a flood of new keys costs each
   * add a constant amount of work on average, never a sweep of every key. A live window is never
   * dropped to make room: that would let a flood of other names reset a victim's count.
   */
  function dropEnded(time: number): void {
    for (const [key, window] of windows) {
      if (window.resetAt > time) break;
      windows.delete(key);
    }
  }

  return {
    retryAfter(key, limit) {
      const window = windows.get(keyOf(key));
      if (window === undefined || window.count < limit) return 0;
      const wait = window.resetAt - now();
      return wait > 0 ? Math.ceil(wait / 1000) : 0;
    },
    add(given) {
      const key = keyOf(given);
      const time = now();
      const window = windows.get(key);
      if (window !== undefined && window.resetAt > time) {
        window.count += 1;
        return window;
      }
      if (window !== undefined) windows.delete(key);
      dropEnded(time);
      const opened = { count: 1, resetAt: time + windowSeconds * 1000 };
      windows.set(key, opened);
      return opened;
    },
    remove(key, window) {
      if (windows.get(keyOf(key)) === window && window.count > 0) window.count -= 1;
    },
    clear(key) {
      windows.delete(keyOf(key));
    },
  };
}
