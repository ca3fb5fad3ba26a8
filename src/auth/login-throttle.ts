import { createFixedWindowCounter } from './fixed-window-counter';

/**
 * Limits password attempts per user name and per client address in fixed windows; once a key
 * reaches its limit, attempts are refused with 429 and Retry-After until the window ends (OWASP
 * ASVS V2.2.1). Names are counted whether or not such a user exists, so the response never tells.
 *
 * An attempt is counted when it starts, before the password is compared: bcrypt is asynchronous,
 * so a count made only after the comparison would let any number of parallel guesses pass the
 * check while the first ones are still being compared. The price is that attempts in flight count
 * too: more parallel logins for one name than its limit are refused even when they are right.
 * The throttle only counts; the endpoint that asked says no in its own protocol's words.
 */
export interface LoginThrottle {
  /** Counts an attempt for the name and the address, unless either is already at its limit. */
  reserve(userName: string, address: string | undefined): LoginAttempt;
}

/** One counted attempt. Exactly one of these settles it; later calls do nothing. */
export interface LoginAttempt {
  /** Seconds until the name or the address may try again: the attempt is refused, not counted. 0 when counted. */
  readonly retryAfter: number;
  /** A wrong password: the attempt stays counted. */
  failed(): void;
  /** The right password: the attempt is taken back and the name's window cleared. */
  succeeded(): void;
  /** No verdict (an error on the way): the attempt is taken back. */
  release(): void;
}

export function createLoginThrottle(options: { maxPerUser: number; maxPerAddress: number; windowSeconds: number }, now = () => Date.now()): LoginThrottle {
  const counter = createFixedWindowCounter(options.windowSeconds, now);
  const userKey = (name: string) => `u:${name.trim().toLowerCase()}`;
  const addressKey = (address: string) => `a:${address}`;

  return {
    reserve(userName, address) {
      const user = userKey(userName);
      const place = address === undefined ? undefined : addressKey(address);
      const wait = Math.max(counter.retryAfter(user, options.maxPerUser), place === undefined ? 0 : counter.retryAfter(place, options.maxPerAddress));
      if (wait > 0) return { retryAfter: wait, failed() {}, succeeded() {}, release() {} };
      // No await between the check above and these counts: the reservation is atomic.
      const userWindow = counter.add(user);
      const placeWindow = place === undefined ? undefined : counter.add(place);
      let settled = false;
      const giveBack = () => {
        if (settled) return false;
        settled = true;
        counter.remove(user, userWindow);
        if (place !== undefined) counter.remove(place, placeWindow!);
        return true;
      };
      return {
        retryAfter: 0,
        failed() {
          settled = true;
        },
        succeeded() {
          if (giveBack()) counter.clear(user);
        },
        release() {
          giveBack();
        },
      };
    },
  };
}
