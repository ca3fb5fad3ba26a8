import type { StoredVersion } from '../store/resource-store';

/** Whether an If-None-Match list (`W/"3", "4"` or `*`) names this version; weak comparison (RFC 9110 §8.8.3.2). */
function matchesTag(list: string, txid: number): boolean {
  const current = String(txid);
  return list.split(',').some((raw) => {
    const tag = raw.trim();
    return tag === '*' || tag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1') === current;
  });
}

/**
 * A conditional read (RFC 9110 §13.2.2): If-None-Match first, and If-Modified-Since only without
 * it. Last-Modified says whole seconds, so a client that sends back the Last-Modified it got
 * gets 304 although lastUpdated has milliseconds: a change within that second shows only in the
 * ETag. An If-Modified-Since that is not a date is ignored, as RFC 9110 §13.1.3 asks.
 */
export function isNotModified(headers: Record<string, string | undefined>, version: StoredVersion): boolean {
  const tags = headers['if-none-match'];
  if (tags !== undefined) return matchesTag(tags, version.txid);
  const since = headers['if-modified-since'];
  if (since === undefined) return false;
  const date = Date.parse(since);
  return !Number.isNaN(date) && Math.floor(version.ts.getTime() / 1000) * 1000 <= date;
}
