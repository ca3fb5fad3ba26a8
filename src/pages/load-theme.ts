import type { Queryable } from '../db/database';

/** AuthConfig.theme: how the sign-in pages present themselves. */
export interface Theme {
  brand?: string;
  title?: string;
  /** An external stylesheet, loaded after ours (so it can restyle anything). */
  styleUrl?: string;
  /** Where "Forgot password?" leads instead of our own page. */
  forgotPasswordUrl?: string;
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/** Only an absolute http(s) URL may be linked from a page; anything else is left out. */
function webUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The theme of the most recently written AuthConfig that has one. */
export async function loadTheme(q: Queryable): Promise<Theme> {
  const { rows } = await q.query<{ theme: Record<string, unknown> }>("select resource->'theme' as theme from authconfig where resource ? 'theme' order by ts desc limit 1", []);
  const theme = rows[0]?.theme;
  if (!theme || typeof theme !== 'object') return {};
  return { brand: text(theme.brand), title: text(theme.title), styleUrl: webUrl(theme.styleUrl), forgotPasswordUrl: webUrl(theme.forgotPasswordUrl) };
}
