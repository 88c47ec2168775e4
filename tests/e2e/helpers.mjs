// Shared by the browser tests: the real server on a free port, and Debian's Chromium
// driven by playwright-core (its own browser download cannot work here).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function startServer(options = {}) {
  const server = await serve({ port: 0, ...options });
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, close: () => closeServer(server) };
}

// Stops a node:http server and resolves once it is closed. close() alone waits for every open
// connection to end, and a browser keeps idle keep-alive sockets for minutes: so they are ended too.
export function closeServer(server) {
  return new Promise((ok) => {
    server.close(() => ok());
    server.closeAllConnections();
  });
}

export async function launch(extraArgs = []) {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

// A page that records console errors and uncaught exceptions for the test to assert on.
// t: the test whose end closes the page's context, failed or not (node:test's t.after).
// init: init scripts to add, for the page and its frames (e.g. DATA_WORKERS).
export async function openPage(browser, url, t = null, { init = [] } = {}) {
  const context = await browser.newContext({ acceptDownloads: true });
  t?.after(() => context.close());
  await context.addInitScript(STATUS_LOG);
  for (const script of init) await context.addInitScript(script);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, context, errors };
}

export const text = (page, selector) => page.textContent(selector);

// The page's line on its build, once the page's script has written it (after the core's catalog has
// loaded, which a cold cache makes later than the page's load event).
export async function isolationText(page) {
  await page.waitForSelector('#isolation:not(:empty)');
  return page.textContent('#isolation');
}

// An init script for a page and its frames: every text a status line (#status in the embed,
// #status-MODEL on the page) takes, in order, in the document's window.statusLog. A status line
// moves on (started, step, done) as the run does, on a fast machine before a test can read it;
// what it said stays here. statusLog(page or frame, id): the texts of one line.
export const STATUS_LOG = `window.statusLog = [];
  new MutationObserver((records) => {
    for (const r of records)
      if (/^status(-|$)/.test(r.target.id)) for (const n of r.addedNodes) statusLog.push({ id: r.target.id, text: n.textContent });
  }).observe(document, { childList: true, subtree: true });`;
export const statusLog = (frame, id = 'status') => frame.evaluate((i) => window.statusLog.filter((s) => s.id === i).map((s) => s.text), id);

// A "tutorial" page on the test server (cross-origin isolated) that embeds
// embed.html?query and records the events it posts. Resolves once `runs` runs have ended
// (done, diverged or error), or the frame reported an error of its own, with the page (left
// open until the end of test `t`) and the events.
// runs = 0: resolves once the page has loaded (the frame may not have said ready yet).
export async function embedRun(t, browser, server, query, { runs = 1, timeout = 120000, init = [] } = {}) {
  const opened = await openPage(browser, 'about:blank', t, { init });
  await opened.page.route(`${server.url}tutorial.html`, (route) => route.fulfill({
    contentType: 'text/html',
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    body: `<!doctype html><script>window.events = [];
      addEventListener('message', (e) => { if (e.data && e.data.source === 'wn-trainer') events.push(e.data); });</script>
      <iframe src="embed.html?${query}" width="800" height="400"></iframe>`,
  }));
  await opened.page.goto(`${server.url}tutorial.html`);
  await opened.page.waitForFunction((n) => {
    const ended = window.events.filter((e) => ['done', 'diverged', 'error'].includes(e.type));
    return ended.length >= n || ended.some((e) => e.model === undefined);
  }, runs, { timeout });
  return { ...opened, events: await opened.page.evaluate(() => window.events) };
}

// Waits until every run of the experiment on the page logged `epochs` epochs.
export async function waitForEpochs(page, epochs, timeout = 180000) {
  await page.waitForFunction((n) => globalThis.wnTest.state.experiment?.runs.every((r) => r.epochs.length >= n), epochs, { timeout });
}

// The id suffix of a model's panel on the page: its variant, model-init for weight norm.
export const panel = (model, init = 'tfa') => (model === 'regular' ? model : `${model}-${init}`);

// Clicks Start and waits until every listed model reports a training step.
export async function startTraining(page, models = ['regular', 'weightnorm']) {
  await page.click('#start');
  await page.waitForFunction((ids) => ids.every((id) =>
    /step \d+/.test(document.getElementById(`status-${id}`)?.textContent)), models.map((m) => panel(m)));
}

// The page's module has run (its catalog loaded, the form filled); needs ?hooks.
export const ready = (page) => page.waitForFunction(() => globalThis.wnTest);

export async function waitForData(page, timeout = 120000) {
  await page.waitForFunction(() => document.getElementById('data-status').textContent.startsWith('CIFAR-10:'), null, { timeout });
}

// The run of `model` (first seed): its status, epochs, record.
export function runOf(page, model) {
  return page.evaluate((m) => {
    const r = globalThis.wnTest.state.experiment.runs.find((x) => x.job.model === m);
    return { status: r.status, epochs: r.epochs, record: r.record, stopped: r.stopped, started: r.started };
  }, model);
}

export async function lastEpoch(page, model) { return (await runOf(page, model)).epochs.at(-1); }

// Everything the page draws at animation frames (charts, dynamics, results, inspection) has
// drawn what it was last asked to; needs ?hooks. After the last event, instead of a guessed pause.
export async function drawn(page) {
  await page.waitForFunction(() => ['charts', 'dynamics', 'results', 'inspect'].every((k) => !globalThis.wnTest[k].frame.pending));
}

// Pause holds. A worker reads its messages between slices of 8 steps, so after the pause each
// run may still report twice (the slice it was running, however long that takes on this
// machine, and the report of the one before, still on its way), and never more. counts(): the
// progress reports so far, per run, read at once after the pause. Returns the counts after `ms`.
export async function assertPaused(page, counts, ms = 4000) {
  const before = await counts();
  await page.waitForTimeout(ms);
  const after = await counts();
  assert.ok(after.every((n, i) => n <= before[i] + 2), `training went on while paused: ${before} → ${after} progress reports per run`);
  return after;
}

// Points drawn in the mean line of (variant, key).
// The points a chart draws, once its pending redraw (at most four a second) has happened.
export async function points(page, variant, key) {
  await page.waitForFunction(() => !globalThis.wnTest.charts.frame.pending);
  return page.evaluate(([v, k]) => globalThis.wnTest.charts.points(v, k), [variant, key]);
}

// The proportional set size (MB) of the largest Chromium renderer this process launched: the page
// under test, with its workers and their WebAssembly memories (workers are threads of the
// renderer). From /proc; null where there is none.
export function rendererPssMB() {
  const read = (path) => { try { return readFileSync(path, 'utf8'); } catch { return ''; } };
  let pids;
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return null; }
  const parent = new Map(pids.map((pid) => [pid, read(`/proc/${pid}/stat`).replace(/^.*\) /, '').split(' ')[1]]));
  const ours = (pid) => { for (let p = pid; p && p !== '0'; p = parent.get(p)) if (p === String(process.pid)) return true; return false; };
  let best = null;
  for (const pid of pids) {
    if (!ours(pid) || !read(`/proc/${pid}/cmdline`).includes('--type=renderer')) continue;
    const pss = read(`/proc/${pid}/smaps_rollup`).match(/^Pss:\s+(\d+)/m);
    if (pss) best = Math.max(best ?? 0, Number(pss[1]) / 1024);
  }
  return best;
}

// An init script for a page and its frames: the data workers (web/data.worker.js) each document
// starts, in window.dataWorkers: {made, alive, most} (most: the largest number alive at once).
// A worker counts as alive from its construction until terminate(), which ends it at once.
export const DATA_WORKERS = `window.dataWorkers = { made: 0, alive: 0, most: 0 };
  const PageWorker = window.Worker;
  window.Worker = class extends PageWorker {
    constructor(url, options) {
      super(url, options);
      if (!/data\.worker\.js/.test(String(url))) return;
      const count = window.dataWorkers;
      count.made++;
      count.most = Math.max(count.most, ++count.alive);
      let ended = false;
      const terminate = this.terminate.bind(this);
      this.terminate = () => { if (!ended) { ended = true; count.alive--; } terminate(); };
    }
  };`;

// The real server, counting what it serves under /data/: requests (their paths) and body bytes.
// reset() starts the counts afresh.
export async function countingServer() {
  const server = await serve({ port: 0 });
  const [handler] = server.listeners('request');
  const data = { requests: [], bytes: 0 };
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (req.url.startsWith('/data/')) {
      data.requests.push(req.url);
      const write = res.write.bind(res), end = res.end.bind(res);
      res.write = (chunk, ...rest) => { data.bytes += chunk?.length ?? 0; return write(chunk, ...rest); };
      res.end = (chunk, ...rest) => { if (chunk && typeof chunk !== 'function') data.bytes += chunk.length; return end(chunk, ...rest); };
    }
    handler(req, res);
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, data, reset: () => { data.requests = []; data.bytes = 0; }, close: () => closeServer(server) };
}
