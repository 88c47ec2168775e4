// Helpers for the tests that need more than one origin or a process of their own.
//
// Two sites on this machine, as when a tutorial on another domain embeds the trainer: the
// trainer's server (scripts/serve.mjs) addressed as http://localhost:PORT/, and the tutorial's
// own server at http://127.0.0.1:OTHER/. Different origins and different sites, so the trainer's
// frame is third-party there. Only servers and URLs here: the tests drive Chromium
// (playwright-core) and Firefox (puppeteer-core), whose page APIs differ.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeServer, openPage, startServer } from './helpers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

function listen(server) {
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server.address().port)));
}

function closer(...servers) {
  return () => Promise.all(servers.map(closeServer));
}

// The trainer as other sites reach it: scripts/serve.mjs at http://localhost:PORT/ (another site
// than 127.0.0.1). It sends Access-Control-Allow-Origin, as static hosts do, so a page elsewhere
// can load wn-trainer.js as a module script.
export async function trainerSite(options = {}) {
  const server = await startServer(options);
  return { url: server.url.replace('127.0.0.1', 'localhost'), direct: server.url, close: server.close };
}

// The tutorial's site: `pages` maps paths to HTML. isolated: it sends COOP same-origin + COEP
// require-corp, as a cross-origin isolated tutorial would. (A real server: a page the browser's
// request router makes up counts as public, and Chromium's local network checks then refuse it
// a frame on localhost.)
export async function tutorialSite(pages, { isolated = false } = {}) {
  const server = createServer((req, res) => {
    const html = pages[new URL(req.url, 'http://x').pathname];
    if (html === undefined) { res.writeHead(404); return res.end('not found'); }
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
    });
    res.end(html);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/`, close: closer(server) };
}

// web/examples/tutorial.html as an author would put it on their site: the element's script from
// the trainer's host instead of beside it.
export async function exampleTutorial(trainerUrl) {
  const html = await readFile(new URL('../../web/examples/tutorial.html', import.meta.url), 'utf8');
  const local = 'src="../wn-trainer.js"';
  if (!html.includes(local)) throw new Error(`web/examples/tutorial.html no longer loads the element with ${local}`);
  return html.replace(local, `src="${trainerUrl}wn-trainer.js"`);
}

// The frame's messages as <wn-trainer> re-dispatches them (wn-TYPE).
export const EVENT_TYPES = ['ready', 'resize', 'started', 'progress', 'epoch', 'diagnostics', 'diverged', 'done', 'error',
  'experiment-done', 'ack', 'history'];

// A script for a tutorial page (inline, or run before the page's own): keeps every wn-* event
// in window.events, its detail with the event's name and when it came (ms since the page opened).
export const RECORDER = `window.events = [];
  for (const type of ${JSON.stringify(EVENT_TYPES)})
    document.addEventListener('wn-' + type, (e) => events.push({ ...e.detail, event: e.type, at: performance.now() }));`;

// A page with <wn-trainer ATTRIBUTES> from the trainer's site, recording its events.
export function elementPage(trainerUrl, attributes) {
  return `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script>${RECORDER}</script>
    <script type="module" src="${trainerUrl}wn-trainer.js"></script>
    <wn-trainer ${attributes}></wn-trainer>`;
}

// A page that frames embed.html?QUERY without the element, as a tutorial may, keeping the
// messages the frame posts in window.events. allow: the iframe's allow attribute, if any.
export function framePage(trainerUrl, query, allow = null) {
  return `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script>window.events = [];
    addEventListener('message', (e) => { if (e.data && e.data.source === 'wn-trainer') events.push(e.data); });</script>
    <iframe src="${trainerUrl}embed.html?${query}" ${allow ? `allow="${allow}"` : ''} width="800" height="400"></iframe>`;
}

// The trainer's server (http://127.0.0.1:PORT/, from startServer) seen as http://localhost:PORT/,
// framed by a tutorial page from tutorialSite: a third-party frame, whose storage may be blocked,
// and which is cross-origin isolated only if the parent is and allows it.
//   isolated: the parent sends COOP same-origin + COEP require-corp
//   allow:    the iframe's allow attribute, e.g. 'cross-origin-isolated'
// Resolves once `models` runs sent done or error, with the page (left open until the end of test
// `t`), the events it received, the frame, and the console errors of page and frame.
export async function tutorialRun(t, browser, server, query, { isolated = false, allow = null, models = 1, timeout = 180000 } = {}) {
  const trainer = server.url.replace('127.0.0.1', 'localhost');
  const tutorial = await tutorialSite({ '/': framePage(trainer, query, allow) }, { isolated });
  try {
    const opened = await openPage(browser, tutorial.url, t);
    await opened.page.waitForFunction((n) => window.events.filter((e) => e.type === 'done' || e.type === 'error').length >= n,
      models, { timeout });
    const frame = opened.page.frames().find((f) => f.url().startsWith(`${trainer}embed.html`));
    return { ...opened, frame, trainer, events: await opened.page.evaluate(() => window.events) };
  } finally {
    await tutorial.close();
  }
}

// Runs `node scripts/serve.mjs ARGS` (under `ulimit -n` when given) until it prints its URL.
// Resolves to {url, output(), exitCode(), stop()}; with expectExit, waits for it to end
// instead and resolves to {code, output}.
export function startCli(args, { ulimit = null, env = {}, expectExit = false } = {}) {
  const command = `${ulimit ? `ulimit -n ${ulimit}; ` : ''}exec "$0" scripts/serve.mjs "$@"`;
  const child = spawn('bash', ['-c', command, process.execPath, ...args], {
    cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((ok) => child.on('exit', (code) => ok(code)));
  return new Promise((ok, fail) => {
    const onData = (chunk) => {
      output += chunk;
      const url = output.match(/is at (http:\S+)/)?.[1];
      if (url && !expectExit) ok({
        url,
        output: () => output,
        exitCode: () => child.exitCode,
        stop: () => { child.kill(); return exited; },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => (expectExit ? ok({ code, output }) : fail(new Error(`serve.mjs exited (${code}): ${output}`))));
  });
}

// A folder of stand-in commands, each appending "name args…" to a log and exiting with `code`
// (sudo runs its arguments). Put `dir` first in PATH; calls() lists what was run.
export function fakeTools(dir, names, code = 0) {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'calls.log');
  for (const name of names) {
    const body = name === 'sudo' ? 'exec "$@"' : `echo "${name} $*" >> '${log}'\nexit ${code}`;
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return { dir, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}
