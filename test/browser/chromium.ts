/**
 * Headless Chromium for browser tests: Debian's `chromium` driven by puppeteer-core (no browser download).
 *
 *   const browser = await launchChromium();
 *   const page = await browser.newPage();
 *   await signInToConsole(page, consoleUrl, token);
 *   await waitForSelector(page, '[data-testid="node-card"]', { what: 'the node cards' });
 *   await saveScreenshot(page, 'docs/images/console-cluster.png');
 *   await browser.close();       // also removes the temporary profile
 *
 * Every wait is bounded; a missing browser fails with the command that installs it.
 */
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';

/** An element found on a page (puppeteer's handle; the project has no DOM lib to name Element). */
export type PageElement = NonNullable<Awaited<ReturnType<Page['waitForSelector']>>>;

/** Where Debian's package puts the browser, first; KUBELAB_CHROMIUM overrides. */
export const CHROMIUM_CANDIDATES: readonly string[] = Object.freeze(['/usr/bin/chromium', '/usr/bin/chromium-browser']);

export const CHROMIUM_INSTALL_HINT = 'apt-get install -y chromium';

/** Bounds of the harness's own waits, in ms. */
export const BROWSER_TIMEOUTS = Object.freeze({ launch: 30_000, navigation: 15_000, selector: 10_000, close: 5_000 });

/**
 * The Chromium executable: $KUBELAB_CHROMIUM, else the first executable candidate. Throws with the install
 * command when there is none (tests must fail loudly, not skip).
 */
export function findChromium(opts: { env?: NodeJS.ProcessEnv; candidates?: readonly string[] } = {}): string {
  const env = opts.env ?? process.env;
  const override = env['KUBELAB_CHROMIUM'];
  const candidates = override ? [override] : (opts.candidates ?? CHROMIUM_CANDIDATES);
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  throw new Error(`chromium not found (looked at ${candidates.join(', ')}): install it with \`${CHROMIUM_INSTALL_HINT}\` (or run \`bash deploy/install-deps.sh --tests\` as root)`);
}

/** The flags the browser is launched with (headless as root, no GPU, no first-run noise). */
export function chromiumArgs(o: { width: number; height: number }): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--disable-background-networking',
    '--disable-component-update',
    '--hide-scrollbars',
    '--mute-audio',
    `--window-size=${o.width},${o.height}`,
  ];
}

export interface LaunchOptions {
  /** Viewport of new pages. @default 1280x800 */
  width?: number;
  height?: number;
  /** Light or dark for `prefers-color-scheme` on pages opened with newPage. @default 'light' */
  colorScheme?: 'light' | 'dark';
  /** Forwards the page's uncaught exceptions, console errors and 5xx responses here (e.g. a test's diagnostics list). */
  onPageError?: (message: string) => void;
}

/** A launched browser; close() ends the process and removes its profile directory. */
export interface TestBrowser {
  readonly browser: Browser;
  readonly executablePath: string;
  readonly userDataDir: string;
  /**
   * A page with the viewport, colour scheme and default timeouts set; in `context` when given (its own cookies:
   * a fresh sign-in), else in the browser's default context (cookies shared by its pages).
   */
  newPage(context?: BrowserContext): Promise<Page>;
  /** A new incognito-like context (no cookies, no storage); close it when done. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Launches Chromium headless with a temporary profile; bounded by BROWSER_TIMEOUTS.launch. */
export async function launchChromium(opts: LaunchOptions = {}): Promise<TestBrowser> {
  const executablePath = findChromium();
  const width = opts.width ?? 1280;
  const height = opts.height ?? 800;
  const userDataDir = mkdtempSync(join(tmpdir(), 'kubelab-chromium-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      // CDP over a pipe: when this process dies (a killed test or benchmark), Chromium sees the pipe close and exits.
      pipe: true,
      userDataDir,
      args: chromiumArgs({ width, height }),
      defaultViewport: { width, height },
      timeout: BROWSER_TIMEOUTS.launch,
      protocolTimeout: BROWSER_TIMEOUTS.launch,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw new Error(`launching ${executablePath} failed: ${(err as Error).message}`);
  }
  let closed = false;
  return {
    browser,
    executablePath,
    userDataDir,
    newContext: () => browser.createBrowserContext(),
    async newPage(context?: BrowserContext) {
      const page = await (context ?? browser).newPage();
      page.setDefaultTimeout(BROWSER_TIMEOUTS.selector);
      page.setDefaultNavigationTimeout(BROWSER_TIMEOUTS.navigation);
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: opts.colorScheme ?? 'light' }]);
      if (opts.onPageError) {
        const report = opts.onPageError;
        page.on('pageerror', (err) => report(`pageerror: ${(err as Error).message ?? String(err)}`));
        page.on('console', (m) => {
          // "Failed to load resource" carries no URL: the response listener below reports those with theirs.
          if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) report(`console.error: ${m.text()}`);
        });
        page.on('response', (r) => {
          if (r.status() >= 500) report(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
        });
      }
      return page;
    },
    async close() {
      if (closed) return;
      closed = true;
      const proc = browser.process();
      await withTimeout(browser.close(), BROWSER_TIMEOUTS.close, 'closing chromium').catch(() => {
        // A browser that does not close in time is killed: its profile must still go.
        if (proc && proc.exitCode === null) proc.kill('SIGKILL');
      });
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, BROWSER_TIMEOUTS.close);
          proc.once('exit', () => (clearTimeout(t), resolve()));
        });
      }
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Rejects with `timed out <what> after N ms` when p takes longer than ms. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out ${what} after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Navigates and waits for the load event (bounded); fails on an HTTP error status unless `allowStatus` lists it. */
export async function openPage(page: Page, url: string, o: { allowStatus?: number[]; timeoutMs?: number } = {}): Promise<number> {
  const res = await page.goto(url, { waitUntil: 'load', timeout: o.timeoutMs ?? BROWSER_TIMEOUTS.navigation });
  const status = res?.status() ?? 0;
  if (status >= 400 && !(o.allowStatus ?? []).includes(status)) throw new Error(`GET ${url} answered ${status}`);
  return status;
}

/**
 * Signs in to the kubelab console the way its login link does: opens `URL/#token=TOKEN` (the token stays in the
 * fragment, never sent in the URL); the login page posts it to /login and reloads into the app. Resolves when
 * `readySelector` is on the page (bounded).
 */
export async function signInToConsole(page: Page, consoleUrl: string, token: string, o: { readySelector?: string; timeoutMs?: number } = {}): Promise<void> {
  const base = consoleUrl.endsWith('/') ? consoleUrl : `${consoleUrl}/`;
  const timeoutMs = o.timeoutMs ?? BROWSER_TIMEOUTS.navigation;
  // Without a session the console answers 401 with its login page: that is expected here.
  await openPage(page, `${base}#token=${encodeURIComponent(token)}`, { allowStatus: [401], timeoutMs });
  await waitForSelector(page, o.readySelector ?? '[data-testid="app"]', { what: 'the console after sign-in', timeoutMs });
  const url = page.url();
  if (url.includes('token=')) throw new Error(`the token is still in the address bar after sign-in: ${url.replace(/token=[^&]*/, 'token=…')}`);
}

/** Waits for a selector (visible unless `hidden`/`attached`), bounded; the error names `what` and the page URL. */
export async function waitForSelector(
  page: Page,
  selector: string,
  o: { what?: string; timeoutMs?: number; visible?: boolean } = {},
): Promise<PageElement> {
  const timeoutMs = o.timeoutMs ?? BROWSER_TIMEOUTS.selector;
  try {
    const h = await page.waitForSelector(selector, { timeout: timeoutMs, visible: o.visible ?? false });
    if (!h) throw new Error('no element');
    return h;
  } catch (err) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${o.what ?? selector} (${selector}) on ${page.url()}: ${(err as Error).message}`);
  }
}

/** Waits until no element matches the selector (bounded). */
export async function waitForGone(page: Page, selector: string, o: { what?: string; timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? BROWSER_TIMEOUTS.selector;
  try {
    await page.waitForFunction(`document.querySelector(${JSON.stringify(selector)}) === null`, { timeout: timeoutMs, polling: 'mutation' });
  } catch (err) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${o.what ?? selector} to go (${selector}) on ${page.url()}: ${(err as Error).message}`);
  }
}

/** Waits until fn (run in the page) returns a truthy value, bounded; returns it. */
export async function waitInPage<T, A extends unknown[]>(
  page: Page,
  what: string,
  fn: (...args: A) => T,
  args: A,
  timeoutMs: number = BROWSER_TIMEOUTS.selector,
): Promise<Awaited<T>> {
  try {
    const h = await page.waitForFunction(fn as (...a: unknown[]) => T, { timeout: timeoutMs, polling: 'mutation' }, ...args);
    return (await h.jsonValue()) as Awaited<T>;
  } catch (err) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${page.url()}: ${(err as Error).message}`);
  }
}

/** The PNG magic number: what a screenshot file must start with. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Saves a PNG of the viewport (or the full page) to path, creating its directory; returns its width and height. */
export async function saveScreenshot(page: Page, path: string, o: { fullPage?: boolean } = {}): Promise<{ width: number; height: number }> {
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path: path as `${string}.png`, type: 'png', fullPage: o.fullPage ?? false });
  return pngSize(readFileSync(path));
}

/** Width and height from a PNG's IHDR; throws when buf is not a PNG. */
export function pngSize(buf: Buffer): { width: number; height: number } {
  if (buf.length < 24 || !buf.subarray(0, 8).equals(PNG_SIGNATURE) || buf.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG');
  }
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}
