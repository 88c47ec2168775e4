// WebKit (Debian's WebKitGTK: webkit2gtk-driver's WebKitWebDriver driving MiniBrowser --automation)
// under Xvfb, spoken to over plain HTTP WebDriver (W3C classic) with fetch: no client library.
// MiniBrowser has no headless mode, so it gets a virtual X display of its own.
//
// SharedArrayBuffer: WebKitGTK 2.50 reports crossOriginIsolated === true under COOP + COEP but
// leaves SharedArrayBuffer out, on every page (the GLib ports never pass the web process the flag
// that Safari's does: bugs.webkit.org 317847). JavaScriptCore reads its options from the
// environment as JSC_<option> when the web process starts, so JSC_useSharedArrayBuffer=1 in the
// environment of the driver (inherited by MiniBrowser and its web processes) exposes it, and the
// threaded build can run. open({ sharedArrayBuffer }) chooses; a user's WebKitGTK browser has it off.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const DRIVER = process.env.WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.WEBKIT_MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB = process.env.XVFB || '/usr/bin/Xvfb';

// What is missing to run WebKit here, or null.
export function missing() {
  for (const [what, path, pkg] of [['WebKitWebDriver', DRIVER, 'webkit2gtk-driver'], ['MiniBrowser', MINIBROWSER, 'webkit2gtk-driver'], ['Xvfb', XVFB, 'xvfb']])
    if (!existsSync(path)) return `no ${what} at ${path}: scripts/setup.sh installs Debian's ${pkg}`;
  return null;
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer().on('error', fail).listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// Xvfb on a free display: -displayfd has it pick one and write its number on that descriptor
// once it listens. Resolves to { child, display }.
function startXvfb(ms = 20000) {
  const child = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let output = '', errors = '';
  child.stderr.on('data', (chunk) => { errors += chunk; });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => { child.kill(); fail(new Error(`Xvfb did not start in ${ms} ms: ${errors}`)); }, ms);
    child.stdio[3].on('data', (chunk) => {
      output += chunk;
      const n = output.match(/^(\d+)\n/)?.[1];
      if (n) { clearTimeout(timer); ok({ child, display: `:${n}` }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`Xvfb exited (${code}) before it was ready: ${errors}`)); });
  });
}

function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(timer); ok(); });
    child.kill();
  });
}

// A WebDriver session in MiniBrowser on a fresh Xvfb display. Resolves to a Session; close() ends
// the session, the driver and the display.
export async function open({ sharedArrayBuffer = true } = {}) {
  const why = missing();
  if (why) throw new Error(why);
  const xvfb = await startXvfb();
  const env = { ...process.env, DISPLAY: xvfb.display, JSC_useSharedArrayBuffer: sharedArrayBuffer ? '1' : '0' };
  let driver;
  try {
    const port = await freePort();
    driver = spawn(DRIVER, [`--port=${port}`], { env, stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    await waitForDriver(base);
    const created = await request(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
    });
    return new Session(base, created.sessionId, created.capabilities, async () => {
      await stop(driver);
      await stop(xvfb.child);
    });
  } catch (e) {
    await stop(driver);
    await stop(xvfb.child);
    throw e;
  }
}

async function waitForDriver(base, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if ((await request(base, 'GET', '/status')).ready !== undefined) return;
    } catch (e) {
      if (Date.now() > end) throw new Error(`WebKitWebDriver does not answer at ${base}: ${e.message}`);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

// One WebDriver command; resolves to its value, or throws the driver's error.
// A command that takes longer than `ms` (a navigation that never ends) fails, naming itself.
async function request(base, method, path, body, ms = 60000) {
  let res;
  try {
    res = await fetch(base + path, {
      method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ms),
    });
  } catch (e) {
    throw new Error(`WebDriver ${method} ${path}: ${e.cause?.message || e.message}`);
  }
  const json = await res.json();
  if (!res.ok || json.value?.error) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
  return json.value;
}

export class Session {
  constructor(base, id, capabilities, onClose) {
    this.base = base;
    this.id = id;
    this.capabilities = capabilities;
    this.onClose = onClose;
  }

  command(method, path, body) { return request(this.base, method, `/session/${this.id}${path}`, body); }

  goto(url) { return this.command('POST', '/url', { url }); }

  // The value of `body` (a function body, with `arguments`) run in the current browsing context.
  evaluate(body, ...args) { return this.command('POST', '/execute/sync', { script: body, args }); }

  // Same, for a body that returns a promise: awaited in the page (up to the session's script timeout).
  evaluateAsync(body, ...args) {
    return this.command('POST', '/execute/async', { script: `const done = arguments[arguments.length - 1];
      Promise.resolve().then(() => (async () => { ${body} })()).then((v) => done({ ok: v }), (e) => done({ error: String(e && e.stack || e) }));`, args })
      .then((r) => { if (r?.error) throw new Error(r.error); return r?.ok; });
  }

  // Polls `body` every `every` ms until it returns a truthy value, which it resolves to.
  async until(body, { timeout = 120000, every = 250, what = body } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      const v = await this.evaluate(body);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for: ${what}`);
      await new Promise((ok) => setTimeout(ok, every));
    }
  }

  // Switches into the iframe matching `selector` (null: back to the top-level page).
  async frame(selector) {
    if (selector === null) return this.command('POST', '/frame', { id: null });
    const el = await this.command('POST', '/element', { using: 'css selector', value: selector });
    return this.command('POST', '/frame', { id: el });
  }

  async close() {
    try {
      await this.command('DELETE', '');
    } catch {
      // The browser may be gone already; the driver and the display are stopped all the same.
    }
    await this.onClose();
  }
}
