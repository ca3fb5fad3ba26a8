import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's package (`apt-get install -y chromium`, see .ci/run): playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = process.env.LOCKBOX_CHROMIUM ?? '/usr/bin/chromium';

/**
 * One headless Chromium for a whole test file; each test takes a fresh context (its own cookies
 * and storage), which costs milliseconds where a new browser costs most of a second.
 * The flags keep it off the network except for our loopback servers, and let it run as root in a
 * container (no user namespaces for the sandbox there).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Where the tests leave screenshots of the pages for a person to look at: `$TMPDIR/lockbox-screens/`. */
export function screenshotPath(name: string): string {
  const dir = join(process.env.TMPDIR ?? tmpdir(), 'lockbox-screens');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
