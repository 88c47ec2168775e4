#!/usr/bin/env node
// Serves the app on 127.0.0.1 with the headers that make the page cross-origin
// isolated (COOP same-origin + COEP require-corp), which pthreads need for
// SharedArrayBuffer. URL layout, the same as a static deployment:
//   /            web/              /wasm/   build-wasm/web/
//   /data/       data/             /vendor/chart.umd.js  Chart.js from npm
//
//   node scripts/serve.mjs [--port 8080] [--no-isolation] [--root DIR]
// --no-isolation drops COOP/COEP, as a plain static host would (the page then
// relies on its service worker, or falls back to the single-threaded build).
// --root DIR serves one folder as it is, e.g. the dist/ that `npm run dist` makes.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const devMounts = [
  ['/wasm/', join(root, 'build-wasm/web')],
  ['/data/', join(root, 'data')],
  ['/vendor/chart.umd.js', join(root, 'node_modules/chart.js/dist/chart.umd.js')],
  ['/', join(root, 'web')],
];
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.bin': 'application/octet-stream', '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
};

export function resolvePath(urlPath, mounts = devMounts) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  for (const [prefix, dir] of mounts) {
    if (prefix.endsWith('/') ? !path.startsWith(prefix) : path !== prefix) continue;
    if (!prefix.endsWith('/')) return dir;
    const file = normalize(join(dir, path.slice(prefix.length)));
    if (file !== dir && !file.startsWith(dir + sep)) return null;  // no escaping the mount
    return file;
  }
  return null;
}

export function serve({ port = 8080, host = '127.0.0.1', isolation = true, dir = null } = {}) {
  const mounts = dir ? [['/', resolve(dir)]] : devMounts;
  const server = createServer((req, res) => {
    let file = resolvePath(req.url, mounts);
    try {
      if (file && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!file || !statSync(file).isFile()) throw new Error('not found');
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const headers = {
      'Content-Type': types[extname(file)] || 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-cache',
    };
    if (isolation) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : Number(process.env.PORT || 8080);
  const isolation = !args.includes('--no-isolation');
  const rootAt = args.indexOf('--root');
  const dir = rootAt >= 0 ? args[rootAt + 1] : null;
  serve({ port, isolation, dir }).then((server) => {
    const { port: p } = server.address();
    console.log(`wn-trainer is at http://127.0.0.1:${p}/  (${isolation ? 'cross-origin isolated' : 'no COOP/COEP headers'}; Ctrl+C stops)`);
  }, (err) => {
    console.error(`cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  });
}
