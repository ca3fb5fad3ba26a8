/** Structured JSON lines on stdout. Callers pass facts, never secrets, tokens or hashes. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(minLevel: LogLevel | 'silent', write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  return {
    log(level, message, fields) {
      if (rank[level] < rank[minLevel]) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
    },
  };
}

/** A logger whose every line also carries these fields (a request's id, say). */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return { log: (level, message, more) => logger.log(level, message, { ...fields, ...more }) };
}
