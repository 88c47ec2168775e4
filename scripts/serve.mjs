#!/usr/bin/env node
// Serves the app with the headers that make the page cross-origin isolated (COOP
// same-origin + COEP require-corp), which pthreads need for SharedArrayBuffer. URL
// layout, the same as a static deployment:
//   /            web/              /wasm/   build-wasm/web/
//   /data/cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin   the prepared CIFAR-10 files, nothing else of data/
//   /vendor/chart.umd.js  Chart.js from npm    /vendor/fflate.js  fflate (zip) from npm
//
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--no-isolation] [--root DIR]
// --host 0.0.0.0 lets other machines in; they get the single-threaded build over plain
// http (browsers isolate only secure contexts: https, localhost).
// --no-isolation drops COOP/COEP/CORP, as a plain static host would (the page then
// relies on its service worker, or falls back to the single-threaded build).
// --root DIR serves one folder as it is, e.g. the dist/ that `npm run dist` makes.
// WN_DATA_DIR replaces data/ (tests use a scratch folder).
//
// Stalled clients are closed (see LIMITS): a dev server reachable with --host 0.0.0.0 must not
// let 300 downloads that are never read hold 600 descriptors for ever.
//
// Only GET and HEAD. Nothing outside a mount is served, symlinks included: a mount's own
// root may be a symlink (node_modules and data/ are, in the dev worktrees), but a link
// inside a mount that points out of it is not followed.
import { createServer } from 'node:http';
import { constants, promises as fs, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
// The files web/data.js fetches.
const DATASET = /^(data_batch_[1-5]|test_batch)\.bin$/;

export function devMounts(dataDir = process.env.WN_DATA_DIR || join(root, 'data')) {
  return [
    { prefix: '/wasm/', dir: join(root, 'build-wasm/web') },
    { prefix: '/data/cifar-10-batches-bin/', dir: join(dataDir, 'cifar-10-batches-bin'), only: DATASET },
    { prefix: '/vendor/chart.umd.js', file: join(root, 'node_modules/chart.js/dist/chart.umd.js') },
    { prefix: '/vendor/fflate.js', file: join(root, 'node_modules/fflate/esm/browser.js') },
    { prefix: '/', dir: join(root, 'web') },
  ];
}

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.bin': 'application/octet-stream', '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
};

const realpath = (p) => fs.realpath(p).catch(() => null);
const inside = (path, dir) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

// The real path of the file a URL names, or null. Symlinks are resolved and the result
// must lie inside the mount's real root, so a link inside a mount cannot lead out of it.
export async function locate(url, mounts) {
  let path;
  try {
    path = decodeURIComponent(url.split('?')[0]);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const mount = mounts.find((m) => (m.file ? path === m.prefix : path.startsWith(m.prefix)));
  if (!mount) return null;
  if (mount.file) return realpath(mount.file);
  const rest = path.slice(mount.prefix.length);
  if (mount.only && !mount.only.test(rest)) return null;
  const top = await realpath(mount.dir);
  if (!top) return null;
  let file = normalize(join(mount.dir, rest));
  if (!inside(file, mount.dir)) return null;
  for (let hops = 0; hops < 2; hops++) {  // a directory once: its index.html
    const real = await realpath(file);
    if (!real || !inside(real, top)) return null;
    const stat = await fs.stat(real);
    if (!stat.isDirectory()) return real;
    if (mount.only) return null;
    file = join(real, 'index.html');
  }
  return null;
}

// Isolation headers. The HTML pages may be framed by other origins, also by cross-origin
// isolated ones (iframe allow="cross-origin-isolated"), whose COEP admits a cross-origin
// document only with CORP cross-origin. Everything else (scripts, workers, wasm, data) is
// only loaded by our own pages, so it stays same-origin: no other site can pull it in.
// COEP goes on every response, workers included: a worker without it is refused by an
// isolated page. web/sw.js applies the same rule on static hosts.
export function isolationHeaders(file) {
  return {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': types[extname(file)]?.startsWith('text/html') ? 'cross-origin' : 'same-origin',
  };
}

// What every response carries, errors included: an isolated page that gets a 404 without COEP
// sees a network error instead, and a cross-origin <wn-trainer> one without CORS an opaque failure.
function commonHeaders(file, isolation) {
  return {
    'X-Content-Type-Options': 'nosniff',
    // As GitHub Pages and most static hosts: other sites may load the files with CORS, which
    // <wn-trainer> needs (a module script from another origin is a CORS request). Nothing here is private.
    'Access-Control-Allow-Origin': '*',
    ...(isolation ? isolationHeaders(file) : {}),
  };
}

function plain(res, status, message, isolation, headers = {}) {
  res.writeHead(status, { ...commonHeaders('.txt', isolation), 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(message);
}

// One byte range of `size` from a Range header: {start, end} (inclusive), 'unsatisfiable', or
// null for the whole file (no header, several ranges, or anything unparsable, such as a range
// that ends before it starts: RFC 9110 §14.2 ignores an invalid Range). The page asks for the
// first records of a batch file this way (web/data.worker.js).
// The unit is case-insensitive (RFC 9110 §14.1): "BYTES=0-1" is a byte range too.
export function byteRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/i.exec(header ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] !== '' && m[2] !== '' && Number(m[2]) < Number(m[1])) return null;
  let start, end;
  if (m[1] === '') [start, end] = [Math.max(0, size - Number(m[2])), size - 1];  // the last N bytes
  else [start, end] = [Number(m[1]), m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)];
  return start > end || start >= size ? 'unsatisfiable' : { start, end };
}

// How long a client may stall, and how many may be connected at once.
// - idleMs: a connection on which nothing is read or written for this long is closed: a client
//   that asks for a file and never reads it, or opens a socket and sends nothing.
// - requestMs: the time to send a whole request (Node's default is 5 minutes).
// - responseMs: the longest one response may take; a 30 MB batch file over a slow link fits.
// - connections: beyond this many, a request gets 503 with Retry-After and its connection
//   closes; beyond twice as many, new connections are dropped before they are read.
export const LIMITS = Object.freeze({ idleMs: 30_000, requestMs: 30_000, responseMs: 600_000, connections: 256 });

async function answer(req, res, mounts, isolation, limits) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'only GET and HEAD', isolation, { Allow: 'GET, HEAD' });
  const file = await locate(req.url, mounts);
  // O_NOFOLLOW: the path is already real; should it become a link meanwhile, refuse it.
  const handle = file && await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e) => {
    if (e.code === 'EMFILE' || e.code === 'ENFILE') throw e;
    return null;
  });
  const stat = handle && await handle.stat();
  if (!stat?.isFile()) {
    await handle?.close();
    return plain(res, 404, 'not found', isolation);
  }
  const headers = {
    'Content-Type': types[extname(file)] || 'application/octet-stream',
    'Cache-Control': 'no-cache',
    'Accept-Ranges': 'bytes',
    ...commonHeaders(file, isolation),
  };
  const range = byteRange(req.headers.range, stat.size);
  if (range === 'unsatisfiable') {
    await handle.close();
    return plain(res, 416, 'range not satisfiable', isolation, { 'Content-Range': `bytes */${stat.size}` });
  }
  const { start, end } = range ?? { start: 0, end: stat.size - 1 };
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'Content-Length': Math.max(0, end - start + 1),
    ...(range ? { 'Content-Range': `bytes ${start}-${end}/${stat.size}` } : {}),
  });
  if (req.method === 'HEAD' || stat.size === 0) {
    await handle.close();
    return res.end();
  }
  const deadline = setTimeout(() => res.destroy(), limits.responseMs);
  res.on('close', () => clearTimeout(deadline));
  // pipeline, not pipe: a client that goes away mid-download destroys the file stream,
  // which closes the descriptor (pipe left it open: one leaked fd per aborted download).
  pipeline(handle.createReadStream({ start, end }), res, () => {});
}

export function serve({ port = 8080, host = '127.0.0.1', isolation = true, dir = null, dataDir, limits = {} } = {}) {
  const mounts = dir ? [{ prefix: '/', dir: resolve(dir) }] : devMounts(dataDir);
  limits = { ...LIMITS, ...limits };
  let connected = 0;
  // Node checks the request deadlines every connectionsCheckingInterval (30 s by default).
  const options = { requestTimeout: limits.requestMs, headersTimeout: limits.requestMs,
    connectionsCheckingInterval: Math.min(30_000, limits.requestMs) };
  const server = createServer(options, (req, res) => {
    if (connected > limits.connections)
      return plain(res, 503, 'busy, try again', isolation, { 'Retry-After': '1', Connection: 'close' });
    answer(req, res, mounts, isolation, limits).catch((e) => {
      // Out of descriptors or a disk error: this request fails, the server carries on.
      if (res.headersSent) res.destroy();
      else if (e.code === 'EMFILE' || e.code === 'ENFILE') plain(res, 503, 'busy, try again', isolation, { 'Retry-After': '1' });
      else plain(res, 500, 'server error', isolation);
    });
  });
  server.on('connection', (socket) => {
    connected++;
    socket.on('close', () => connected--);
  });
  // With no 'timeout' listener, Node destroys a socket idle for this long.
  server.timeout = limits.idleMs;
  server.maxConnections = 2 * limits.connections;
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      // From now on (e.g. EMFILE on accept) log and keep serving instead of dying.
      server.on('error', (e) => console.error(`serve.mjs: ${e.message}`));
      ok(server);
    });
  });
}

// The URLs to print: a wildcard address is not one to browse to.
export function urls(host, port) {
  const url = (h) => `http://${h.includes(':') ? `[${h}]` : h}:${port}/`;
  if (!['0.0.0.0', '::', ''].includes(host)) return [url(host)];
  const external = Object.values(networkInterfaces()).flat()
    .filter((a) => !a.internal && (a.family === 'IPv4' || host === '::') && !a.address.startsWith('fe80:'))
    .map((a) => url(a.address));
  return [url('localhost'), ...external];
}

const USAGE = 'usage: node scripts/serve.mjs [--port N] [--host ADDRESS] [--no-isolation] [--root DIR]';

// A port in plain decimal: Number() would also take '', ' ', '0x2222' and '1e3'.
function port(text, what) {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new Error(`${what}: not a port number (0-65535): '${text}'`);
  return Number(text);
}

function parseArgs(args) {
  const o = { port: null, host: '127.0.0.1', isolation: true, dir: null };
  for (let i = 0; i < args.length; i++) {
    const value = () => {
      if (i + 1 >= args.length) throw new Error(`${args[i]} needs a value`);
      return args[++i];
    };
    switch (args[i]) {
      case '--port': o.port = port(value(), '--port'); break;
      case '--host': o.host = value(); break;
      case '--root': o.dir = value(); break;
      case '--no-isolation': o.isolation = false; break;
      case '--help': console.log(USAGE); process.exit(0);
      default: throw new Error(`unknown option ${args[i]}`);
    }
  }
  o.port ??= process.env.PORT ? port(process.env.PORT, 'PORT') : 8080;  // --port wins over PORT
  if (o.dir !== null && !statSync(o.dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--root ${o.dir}: not a folder`);
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`serve.mjs: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  serve(o).then((server) => {
    const [first, ...others] = urls(o.host, server.address().port);
    console.log(`wn-trainer is at ${first}  (${o.isolation ? 'cross-origin isolated' : 'no COOP/COEP headers'}; Ctrl+C stops)`);
    if (others.length) console.log(`from other machines: ${others.join('  ')} (single-threaded there: plain http is not isolated)`);
  }, (err) => {
    console.error(`cannot listen on ${o.host}:${o.port}: ${err.message}`);
    process.exit(1);
  });
}
