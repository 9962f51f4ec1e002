/**
 * The browser of the browser tests: Debian's `chromium` (or `CHROME_PATH`), driven by
 * playwright-core, which downloads no browser of its own. Without one the tests skip with
 * a message saying how to install it — except in CI (`CI=true`), where a missing browser
 * fails: .ci/run installs it.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** The browser's executable, or undefined when none is installed. */
export function browserPath(): string | undefined {
  const given = process.env.CHROME_PATH;
  return given ? given : CANDIDATES.find((path) => existsSync(path));
}

/** Why the browser tests skip here (no browser outside CI), or false to run them. */
export function skipReason(): string | false {
  if (browserPath() || process.env.CI) return false;
  return 'no Chromium found (/usr/bin/chromium or CHROME_PATH): apt-get install chromium to run the browser tests';
}

/** Launch it headless. In CI a missing browser throws, failing the tests. */
export async function launch(): Promise<Browser> {
  const executablePath = browserPath();
  if (!executablePath) throw new Error("CI=true and no Chromium: .ci/run installs Debian's chromium package");
  // As root (CI and this machine) Chromium refuses to start with its sandbox.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath, args, headless: true });
}
