// scripts/serve.mjs over real HTTP: descriptors after aborted downloads, running out of
// descriptors, methods, headers, what is served and what is not (symlinks included), --host.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../../scripts/serve.mjs';
import { closeServer } from './helpers.mjs';
import { startCli } from './origins.mjs';

const RECORDS = 10000 * 3073;
let scratch, dataDir, server, base;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'wn-serve-'));
  // data/ as the dev worktrees have it: the batches folder is a symlink to a copy elsewhere.
  const copy = join(scratch, 'shared-batches');
  mkdirSync(copy);
  for (const f of ['data_batch_1.bin', 'test_batch.bin']) {
    writeFileSync(join(copy, f), '');
    truncateSync(join(copy, f), RECORDS);  // sparse: 30 MB on no disk
  }
  writeFileSync(join(copy, 'batches.meta.txt'), 'airplane\n');
  writeFileSync(join(scratch, 'secret.txt'), 'not for the web');
  symlinkSync(join(scratch, 'secret.txt'), join(copy, 'data_batch_2.bin'));  // a link inside the mount, leading out
  dataDir = join(scratch, 'data');
  mkdirSync(dataDir);
  symlinkSync(copy, join(dataDir, 'cifar-10-batches-bin'));
  writeFileSync(join(dataDir, 'prepare.mjs'), '// a project source');
  server = await serve({ port: 0, dataDir });
  base = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  if (server) await closeServer(server);
  rmSync(scratch, { recursive: true, force: true });
});

// One request; resolves to {status, headers, body} (body: bytes received).
function fetchRaw(url, { method = 'GET', path } = {}) {
  return new Promise((ok, fail) => {
    const u = new URL(url);
    const req = request({ host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port, path: path ?? u.pathname, method, agent: false }, (res) => {
      let body = 0;
      res.on('data', (c) => { body += c.length; });
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

// Starts a download, takes its first chunk and hangs up; resolves when the socket is gone.
function abortedDownload(url) {
  return new Promise((ok, fail) => {
    const req = request(url, { agent: false }, (res) => {
      assert.equal(res.statusCode, 200);
      res.once('data', () => req.destroy());
    });
    req.on('close', ok);
    req.on('error', (e) => (e.code === 'ECONNRESET' ? ok() : fail(e)));
    req.end();
  });
}

const openFds = () => readdirSync('/proc/self/fd').length;

// Waits (without a time limit of its own: node:test's timeout bounds it) until check() holds.
async function until(check) {
  while (!check()) await new Promise((ok) => setTimeout(ok, 20));
}

test('300 aborted downloads leave the descriptor count flat', async (t) => {
  const url = `${base}/data/cifar-10-batches-bin/data_batch_1.bin`;
  let closed = 0;
  const onRequest = (req, res) => res.on('close', () => closed++);
  server.on('request', onRequest);
  await abortedDownload(url);
  await until(() => closed === 1);
  const before = openFds();
  for (let i = 0; i < 300; i++) await abortedDownload(url);
  await until(() => closed === 301);
  // The server has seen every client leave; the file streams close on the next turns.
  let afterAborts = openFds();
  for (let turn = 0; turn < 500 && afterAborts > before + 5; turn++) {  // a grace period, not a deadline
    await new Promise((ok) => setTimeout(ok, 20));
    afterAborts = openFds();
  }
  server.off('request', onRequest);
  t.diagnostic(`open descriptors: ${before} before, ${afterAborts} after 300 aborted downloads`);
  assert.ok(afterAborts <= before + 5, `${before} → ${afterAborts} descriptors`);
  assert.equal((await fetchRaw(url)).body, RECORDS);
});

test('out of descriptors, the server answers 503 or drops a connection, and carries on', { timeout: 60000 }, async () => {
  // 40 descriptors: a handful for node itself, too few for 60 downloads at once.
  const cli = await startCli(['--port', '0'], { ulimit: 40, env: { WN_DATA_DIR: dataDir } });
  try {
    const url = `${cli.url}data/cifar-10-batches-bin/test_batch.bin`;
    // Downloads that are started and then not read: each holds a socket and a file.
    const held = [];
    const outcomes = await Promise.all(Array.from({ length: 60 }, () => new Promise((ok) => {
      const req = request(url, { agent: false }, (res) => { res.pause(); held.push(req); ok(res.statusCode); });
      req.on('error', (e) => ok(e.code));
      req.end();
    })));
    assert.ok(outcomes.some((o) => o !== 200), `all 60 downloads got a file: ${outcomes.join()}`);
    for (const req of held) req.destroy();
    for (let i = 0; i < 100; i++) await abortedDownload(url);
    assert.equal(cli.exitCode(), null, cli.output());
    assert.equal((await fetchRaw(url)).body, RECORDS);
  } finally {
    await cli.stop();
  }
});

test('only GET and HEAD: other methods get 405 with Allow', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
    const r = await fetchRaw(`${base}/`, { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
  const head = await fetchRaw(`${base}/data/cifar-10-batches-bin/test_batch.bin`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(RECORDS));
  assert.equal(head.body, 0);
});

test('nosniff everywhere; CORP cross-origin on pages, same-origin on what they load; COEP on all', async () => {
  const headers = async (path) => (await fetchRaw(base + path)).headers;
  for (const path of ['/', '/embed.html', '/app.js', '/trainer.worker.js', '/vendor/chart.umd.js', '/no-such-file'])
    assert.equal((await headers(path))['x-content-type-options'], 'nosniff', path);
  for (const path of ['/', '/embed.html', '/index.html'])
    assert.equal((await headers(path))['cross-origin-resource-policy'], 'cross-origin', path);
  for (const path of ['/app.js', '/trainer.worker.js', '/sw.js', '/vendor/chart.umd.js', '/data/cifar-10-batches-bin/test_batch.bin']) {
    const h = await headers(path);
    assert.equal(h['cross-origin-resource-policy'], 'same-origin', path);
    assert.equal(h['cross-origin-embedder-policy'], 'require-corp', path);
  }
  const bare = await serve({ port: 0, isolation: false, dataDir });
  try {
    const h = (await fetchRaw(`http://127.0.0.1:${bare.address().port}/embed.html`)).headers;
    assert.equal(h['x-content-type-options'], 'nosniff');
    for (const name of ['cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy'])
      assert.equal(h[name], undefined, name);
  } finally {
    await closeServer(bare);
  }
});

test('/data/ serves the dataset files the page uses and nothing else', async () => {
  const status = async (path) => (await fetchRaw(base, { path })).status;
  assert.equal(await status('/data/cifar-10-batches-bin/test_batch.bin'), 200);  // through the symlinked folder
  for (const path of ['/data/prepare.mjs', '/data/', '/data/cifar-10-batches-bin/', '/data/cifar-10-batches-bin/batches.meta.txt',
    '/data/cifar-10-batches-bin/data_batch_2.bin',  // a symlink to ../secret.txt
    '/data/cifar-10-batches-bin/../prepare.mjs', '/data/cifar-10-batches-bin/%2e%2e/prepare.mjs', '/data/cifar-10-binary.tar.gz'])
    assert.equal(await status(path), 404, path);
  for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/%2e%2e%2f%2e%2e%2fetc/passwd',
    '/wasm/../../package.json', '/vendor/chart.umd.js/../../package.json', '/%00', '/%zz'])
    assert.equal(await status(path), 404, path);
});

test('--root: a symlinked root works; links inside that lead out are not followed', async () => {
  const site = join(scratch, 'site');
  mkdirSync(join(site, 'sub'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<p>home</p>');
  writeFileSync(join(site, 'sub', 'page.html'), '<p>sub</p>');
  symlinkSync(join(site, 'index.html'), join(site, 'alias.html'));  // inside: fine
  symlinkSync(join(scratch, 'secret.txt'), join(site, 'leak.txt'));
  symlinkSync(scratch, join(site, 'up'));
  symlinkSync(site, join(scratch, 'site-link'));
  const s = await serve({ port: 0, dir: join(scratch, 'site-link') });
  try {
    const at = `http://127.0.0.1:${s.address().port}`;
    const status = async (path) => (await fetchRaw(at, { path })).status;
    for (const path of ['/', '/index.html', '/sub/page.html', '/alias.html']) assert.equal(await status(path), 200, path);
    for (const path of ['/leak.txt', '/up/secret.txt', '/sub/../../secret.txt']) assert.equal(await status(path), 404, path);
  } finally {
    await closeServer(s);
  }
});

test('--host: listens there and prints a URL that works', async () => {
  for (const [host, printed] of [[null, /^http:\/\/127\.0\.0\.1:\d+\/$/], ['localhost', /^http:\/\/localhost:\d+\/$/],
    ['::1', /^http:\/\/\[::1\]:\d+\/$/], ['0.0.0.0', /^http:\/\/localhost:\d+\/$/]]) {
    const cli = await startCli(['--port', '0', ...(host ? ['--host', host] : [])]);
    try {
      assert.match(cli.url, printed, host);
      assert.equal((await fetchRaw(`${cli.url}embed.html`)).status, 200, host);
    } finally {
      await cli.stop();
    }
  }
  // Number() took '' and ' ' as port 0 (a random port), '0x2222' as 8738 and '1e3' as 1000.
  for (const [args, env, message] of [[['--port', 'x'], {}, /--port/], [['--port', '0x2222'], {}, /--port/], [['--port', ''], {}, /--port/],
    [['--port', '65536'], {}, /--port/], [[], { PORT: ' ' }, /PORT/], [[], { PORT: '1e3' }, /PORT/],
    [['--root', join(scratch, 'nowhere')], {}, /--root .*nowhere: not a folder/]]) {
    const bad = await startCli(args, { env, expectExit: true });
    assert.equal(bad.code, 2, `${args} ${JSON.stringify(env)}: ${bad.output}`);
    assert.match(bad.output, message);
  }
});

test('errors carry the same headers as files: nosniff, CORS, and isolation (an isolated page sees a 404, not a network error)', async () => {
  for (const [method, path, status] of [['GET', '/no-such-file.js', 404], ['POST', '/', 405]]) {
    const r = await fetchRaw(`${base}${path}`, { method });
    assert.equal(r.status, status);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(r.headers['cross-origin-resource-policy'], 'same-origin');
  }
});

test('Range: one byte range gets 206 with Content-Range; past the end 416; several ranges the whole file', async () => {
  const server = await serve({ port: 0 });
  const url = `http://127.0.0.1:${server.address().port}/data/cifar-10-batches-bin/test_batch.bin`;
  try {
    const size = 10000 * 3073;
    const first = await fetch(url, { headers: { Range: 'bytes=0-3072' } });
    assert.equal(first.status, 206);
    assert.equal(first.headers.get('content-range'), `bytes 0-3072/${size}`);
    assert.equal((await first.arrayBuffer()).byteLength, 3073);
    assert.equal(first.headers.get('accept-ranges'), 'bytes');
    assert.equal(first.headers.get('cross-origin-embedder-policy'), 'require-corp');  // isolation headers on 206 too
    const tail = await fetch(url, { headers: { Range: 'bytes=-10' } });
    assert.equal(tail.headers.get('content-range'), `bytes ${size - 10}-${size - 1}/${size}`);
    const open = await fetch(url, { headers: { Range: `bytes=${size - 5}-` } });
    assert.equal((await open.arrayBuffer()).byteLength, 5);
    const past = await fetch(url, { headers: { Range: `bytes=${size}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${size}`);
    await past.arrayBuffer();
    const many = await fetch(url, { method: 'HEAD', headers: { Range: 'bytes=0-1,5-6' } });
    assert.equal(many.status, 200);
    // A range that ends before it starts is invalid, not unsatisfiable: ignored (RFC 9110 §14.2).
    assert.equal((await fetch(url, { method: 'HEAD', headers: { Range: 'bytes=5-1' } })).status, 200);
    assert.equal(Number(many.headers.get('content-length')), size);
    // The unit is case-insensitive (RFC 9110 §14.1).
    for (const unit of ['BYTES', 'Bytes']) {
      const upper = await fetch(url, { headers: { Range: `${unit}=0-1` } });
      assert.equal(upper.status, 206, unit);
      assert.equal(upper.headers.get('content-range'), `bytes 0-1/${size}`);
      assert.equal((await upper.arrayBuffer()).byteLength, 2);
    }
    assert.equal((await fetch(url, { method: 'HEAD' })).headers.get('access-control-allow-origin'), '*');
  } finally {
    await closeServer(server);
  }
});

test('300 stalled readers: beyond the cap they get 503, the rest are closed once idle, and the server serves on', { timeout: 60000 }, async (t) => {
  const limits = { idleMs: 1000, connections: 100 };
  const s = await serve({ port: 0, dataDir, limits });
  const at = `http://127.0.0.1:${s.address().port}`;
  const connections = () => new Promise((ok) => s.getConnections((e, n) => ok(n)));
  const held = [];
  // Downloads in flight on the server: a file piped into a response that has not closed.
  let downloading = 0, peak = 0;
  s.on('request', (req, res) => res.once('pipe', () => {
    peak = Math.max(peak, ++downloading);
    res.once('close', () => downloading--);
  }));
  try {
    const url = `${at}/data/cifar-10-batches-bin/test_batch.bin`;
    // Each client asks for the 30 MB file and never reads a byte of it.
    const started = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 300 }, () => new Promise((ok) => {
      const req = request(url, { agent: false }, (res) => { res.pause(); ok(res.statusCode); });
      held.push(req);
      req.on('error', (e) => ok(e.code));
      req.end();
    })));
    const count = (v) => outcomes.filter((o) => o === v).length;
    // Beyond twice the cap, connections are dropped before they are read (ECONNRESET).
    const dropped = count('ECONNRESET');
    t.diagnostic(`${count(200)} got the file, ${count(503)} got 503, ${dropped} dropped; at most ${peak} downloads at once`);
    assert.ok(peak >= 1 && peak <= limits.connections, `${peak} downloads at once`);
    assert.ok(count(503) >= 1, outcomes.join());
    assert.equal(count(200) + count(503) + dropped, 300, outcomes.join());
    // Nobody reads: the server closes each stalled connection after idleMs of no progress.
    let open;
    while ((open = await connections()) > 0) await new Promise((ok) => setTimeout(ok, 50));
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`all stalled connections closed by the server after ${seconds.toFixed(1)} s`);
    assert.ok(seconds < 20, `${seconds} s`);
    assert.equal((await fetchRaw(`${url}`)).body, RECORDS);
  } finally {
    for (const req of held) req.destroy();
    await new Promise((ok) => s.close(ok));
  }
});

test('a connection that sends nothing is closed after idleMs', { timeout: 20000 }, async () => {
  const s = await serve({ port: 0, dataDir, limits: { idleMs: 300 } });
  try {
    const started = Date.now();
    await new Promise((ok, fail) => {
      const socket = connect(s.address().port, '127.0.0.1');
      socket.on('error', fail);
      socket.on('close', ok);
      socket.resume();
    });
    assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
  } finally {
    await new Promise((ok) => s.close(ok));
  }
});
