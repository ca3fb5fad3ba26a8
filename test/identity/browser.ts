type Form = Record<string, string>;

/**
 * A browser, as far as a sign-in needs one: cookies per origin (RFC 6265, host-only is enough on
 * loopback), redirects followed by hand, and the identity provider's login and consent forms
 * filled in and posted.
 */
export class Browser {
  private readonly jars = new Map<string, Map<string, string>>();

  constructor(private readonly login: string) {}

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }

  async request(url: string, form?: Form): Promise<Response> {
    const { origin } = new URL(url);
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
      body: form && new URLSearchParams(form),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1));
    }
    return response;
  }

  /**
   * Opens url and goes where the pages lead, signing in and consenting at the provider, until a
   * page that is neither a redirect nor a provider form, or a redirect to a URL `stopAt` accepts.
   */
  async open(url: string, stopAt: (next: URL) => boolean = () => false): Promise<{ response: Response; url: string; body: string }> {
    let current = url;
    let response = await this.request(current);
    for (let step = 0; step < 20; step++) {
      const location = response.headers.get('location');
      if (location) {
        const next = new URL(location, current);
        if (stopAt(next)) return { response, url: next.toString(), body: '' };
        current = next.toString();
        response = await this.request(current);
        continue;
      }
      const body = await response.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(body)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(body)?.[1];
      if (!action || !prompt) return { response, url: current, body };
      current = new URL(action.replaceAll('&amp;', '&'), current).toString();
      response = await this.request(current, prompt === 'login' ? { prompt, login: this.login, password: 'any' } : { prompt });
    }
    throw new Error('too many steps');
  }
}
