/** POST /<Type>/_search carries its parameters as an application/x-www-form-urlencoded body. */
export function isSearchPost(method: string, segments: readonly string[]): boolean {
  return method === 'POST' && segments.length === 2 && segments[1] === '_search';
}

/** Adds the body's parameters to the query's (repeated names stay repeated: they are ANDed). */
export function mergeFormParameters(query: Record<string, string[]>, body: unknown, contentType: string | undefined): void {
  if (!Buffer.isBuffer(body) || !/^application\/x-www-form-urlencoded/i.test(contentType ?? '')) return;
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) (query[name] ??= []).push(value);
}
