// Two sites on this machine, as when a tutorial on another domain embeds the trainer: the
// trainer's server (scripts/serve.mjs) addressed as http://localhost:PORT/, and the tutorial's
// own server at http://127.0.0.1:OTHER/. Different origins and different sites, so the trainer's
// frame is third-party there. Only servers and URLs here: the tests drive Chromium
// (playwright-core) and Firefox (puppeteer-core), whose page APIs differ.
import { createServer, request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { startServer } from './helpers.mjs';

function listen(server) {
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server.address().port)));
}

function closer(...servers) {
  return () => Promise.all(servers.map((s) => new Promise((ok) => { s.closeAllConnections(); s.close(ok); })));
}

// The trainer as other sites reach it. A page elsewhere loads wn-trainer.js (and what it imports)
// as a module script, i.e. with CORS, so the host must answer with Access-Control-Allow-Origin,
// as static hosts such as GitHub Pages do (`*` on everything). scripts/serve.mjs does not send it
// (yet), so a pass-through in front of it adds that one header where it is missing; everything
// else, isolation headers included, is serve.mjs's own.
export async function trainerSite(options = {}) {
  const server = await startServer(options);
  const upstream = new URL(server.url);
  const proxy = createServer((req, res) => {
    const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, { 'access-control-allow-origin': '*', ...up.headers });
      up.pipe(res);
    });
    forward.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(forward);
  });
  const port = await listen(proxy);
  const close = closer(proxy);
  return { url: `http://localhost:${port}/`, direct: server.url, close: () => close().then(server.close) };
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
// messages the frame posts in window.events.
export function framePage(trainerUrl, query) {
  return `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script>window.events = [];
    addEventListener('message', (e) => { if (e.data && e.data.source === 'wn-trainer') events.push(e.data); });</script>
    <iframe src="${trainerUrl}embed.html?${query}" width="800" height="400"></iframe>`;
}
