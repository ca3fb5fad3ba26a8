import pg from 'pg';

export interface PgNotifications {
  listen(channel: string, onMessage: (payload: string) => void, onMissed?: () => void): Promise<void>;
  close(): Promise<void>;
}

/** How long to wait before trying the listening connection again: 50 ms, doubling, at most 500 ms. */
const retryDelayMs = (attempt: number) => Math.min(50 * 2 ** attempt, 500);

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * One LISTEN connection for every channel, kept open. A dedicated pg.Client, not a pooled one: a
 * LISTEN belongs to its session. When that connection dies (a database restart, a terminated
 * backend, a network cut) it is opened again, every channel is listened to anew, and the
 * subscribers are told that they may have missed notifications: at once, after every attempt
 * to listen again that fails (at most every 500 ms), and once listening again, since a change
 * committed in between was announced to nobody
 * (docs: "NOTIFY … is delivered to every session that is listening at the time of the commit").
 */
export function createPgNotifications(url: string): PgNotifications {
  const handlers = new Map<string, Array<(payload: string) => void>>();
  const missed: Array<() => void> = [];
  let client: pg.Client | undefined;
  let first: Promise<pg.Client> | undefined;
  let closed = false;
  let attempt = 0;
  let retry: NodeJS.Timeout | undefined;

  const tellMissed = () => {
    for (const onMissed of missed) onMissed();
  };

  async function open(): Promise<pg.Client> {
    // TCP keep-alive after 10 s idle: a connection cut without FIN or RST (a failover, a network
    // cut) is noticed in seconds, not the operating system's two hours.
    const next = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000, connectionTimeoutMillis: 3000 });
    // A connection error is followed by 'end', which reconnects; unhandled, it would end the process.
    next.on('error', () => undefined);
    next.on('notification', (message) => {
      for (const onMessage of handlers.get(message.channel) ?? []) onMessage(message.payload ?? '');
    });
    next.on('end', () => {
      if (client !== next) return;
      client = undefined;
      tellMissed();
      reconnect();
    });
    try {
      await next.connect();
      for (const channel of handlers.keys()) await next.query(`listen ${quoteIdent(channel)}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return next;
    }
    client = next;
    attempt = 0;
    return next;
  }

  function reconnect(): void {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      open().then(tellMissed, () => {
        // Still not listening, while the pool may well be serving (a LISTEN connection refused
        // for too many clients): what the caches took in since the last drop may be stale too.
        tellMissed();
        attempt += 1;
        reconnect();
      });
    }, retryDelayMs(attempt));
    retry.unref();
  }

  return {
    async listen(channel, onMessage, onMissed) {
      const known = handlers.get(channel);
      if (known) known.push(onMessage);
      else handlers.set(channel, [onMessage]);
      if (onMissed) missed.push(onMissed);
      // The first subscriber opens the connection (listening to every channel known by then).
      const current = client ?? (await (first ??= open()));
      if (!known && client === current) await current.query(`listen ${quoteIdent(channel)}`);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
