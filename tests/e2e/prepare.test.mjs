// data/prepare.mjs on crafted archives, in scratch folders (WN_DATA_DIR): never the real data/.
// Hostile members (links, ../ names), truncation, wrong sizes and labels: the archive is
// refused with a message and nothing is written, inside the data folder or out of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync,
  writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { closeServer } from './helpers.mjs';
import { fakeTools } from './origins.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const RECORD = 3073, RECORDS = 10000;
const BATCHES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
let scratch, batchesGz;

// One ustar header block.
function header({ name, size = 0, type = '0', link = '' }) {
  const h = Buffer.alloc(512);
  const put = (s, at, len) => h.write(s.slice(0, len), at, 'utf8');
  const octal = (n, at, len) => put(n.toString(8).padStart(len - 1, '0') + '\0', at, len);
  put(name, 0, 100);
  octal(0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(0, 136, 12);
  h[156] = type.charCodeAt(0);
  put(link, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

// Tar bytes of members {name, data?, type?, link?}, padded to 512-byte blocks.
function tar(members) {
  const parts = [];
  for (const { data = Buffer.alloc(0), ...m } of members) {
    parts.push(header({ ...m, size: data.length }), data, Buffer.alloc((512 - data.length % 512) % 512));
  }
  return Buffer.concat(parts);
}

// A batch whose labels run 0..9 (or `label` for every record), images all zero.
function batch(label = null) {
  const b = Buffer.alloc(RECORDS * RECORD);
  for (let i = 0; i < RECORDS; i++) b[i * RECORD] = label ?? i % 10;
  return b;
}

const END = Buffer.alloc(1024);
// A .tar.gz: gzip members concatenate, so the six valid batches are compressed once.
function archive(name, { before = [], batches = true, after = [], end = true } = {}) {
  const path = join(scratch, name);
  const parts = [gzipSync(tar(before)), batches ? batchesGz : Buffer.alloc(0), gzipSync(Buffer.concat([tar(after), end ? END : Buffer.alloc(0)]))];
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

// Runs prepare.mjs [--from PATH] with a fresh data folder inside a fresh parent folder.
// Asynchronous, so that a server in this process can answer its download.
async function prepare(from, { setup, env = {} } = {}) {
  const parent = mkdtempSync(join(scratch, 'run-'));
  const data = join(parent, 'data');
  mkdirSync(data);
  setup?.(data, parent);
  return { ...await run(from ? ['--from', from] : [], data, env), data, parent };
}

// prepare.mjs with these arguments on the data folder `data`.
async function run(args, data, env = {}) {
  const child = spawn(process.execPath, ['data/prepare.mjs', ...args], { cwd: root, env: { ...process.env, WN_DATA_DIR: data, ...env } });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const code = await new Promise((ok) => child.on('close', ok));
  return { code, out };
}

// What a folder holds, recursively, links not followed.
function tree(dir) {
  return readdirSync(dir, { recursive: true }).sort();
}

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'wn-prepare-'));
  const one = batch();
  batchesGz = gzipSync(tar([{ name: 'cifar-10-batches-bin/', type: '5' },
    ...BATCHES.map((f) => ({ name: `cifar-10-batches-bin/${f}`, data: one }))]), { level: 1 });
  writeFileSync(join(scratch, 'secret.txt'), 'outside');
});
after(() => rmSync(scratch, { recursive: true, force: true }));

test('a valid archive: the six batches, checked, and a copy of the archive', async () => {
  const from = archive('good.tar.gz', { after: [{ name: 'cifar-10-batches-bin/batches.meta.txt', data: Buffer.from('cat\n') },
    { name: 'cifar-10-batches-bin/readme.html', data: Buffer.from('<p>') }] });
  const { code, out, data } = await prepare(from);
  assert.equal(code, 0, out);
  assert.deepEqual(tree(data), ['cifar-10-batches-bin', ...BATCHES.map((f) => `cifar-10-batches-bin/${f}`), 'cifar-10-binary.tar.gz']);
  for (const f of BATCHES) assert.equal(statSync(join(data, 'cifar-10-batches-bin', f)).size, RECORDS * RECORD);
  assert.equal(statSync(join(data, 'cifar-10-batches-bin')).mode & 0o777, 0o755);
  assert.equal(readFileSync(join(data, 'cifar-10-batches-bin/test_batch.bin'))[RECORD * 7], 7);
  assert.deepEqual(readFileSync(join(data, 'cifar-10-binary.tar.gz')), readFileSync(from));
  assert.match(out, /ready/);
});

test('--from replaces data prepared from another archive, the same archive again is kept, mistakes change nothing', async () => {
  const first = archive('first.tar.gz');
  const second = archive('second.tar.gz', { after: [{ name: 'cifar-10-batches-bin/readme.html', data: Buffer.from('<p>') }] });
  const { code, data } = await prepare(first);
  assert.equal(code, 0);
  const copy = join(data, 'cifar-10-binary.tar.gz');
  assert.match((await run(['--from', first], data)).out, /CIFAR-10 is ready in/);  // nothing to redo
  const replaced = await run([`--from=${second}`], data);
  assert.equal(replaced.code, 0, replaced.out);
  assert.match(replaced.out, /Extracting/);
  assert.deepEqual(readFileSync(copy), readFileSync(second));
  // A misspelt flag or a stray word used to start the download; a missing or junk archive used to be ignored.
  for (const [args, code, message] of [[['--form', first], 2, /unknown argument '--form'/], [[first], 2, /unknown argument/],
    [['--from'], 2, /--from needs a path/], [['--from', first, '--from', second], 2, /twice/],
    [['--from', join(scratch, 'missing.tar.gz')], 1, /is not a file/], [['--from', join(scratch, 'secret.txt')], 1, /not a readable \.tar\.gz/]]) {
    const r = await run(args, data);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.out}`);
    assert.match(r.out, message);
    assert.deepEqual(readFileSync(copy), readFileSync(second));
    assert.equal(tree(data).length, 8, tree(data).join(' '));
  }
});

// Each case: [what, archive options, message]. Nothing may appear in the data folder or its parent.
const hostile = [
  ['a symlink member beside the batches (passwd.txt → /etc/passwd)',
    { after: [{ name: 'passwd.txt', type: '2', link: '/etc/passwd' }] }, /"passwd\.txt", a symbolic link to \/etc\/passwd/],
  ['a batch that is a symlink', { before: [{ name: 'cifar-10-batches-bin/data_batch_1.bin', type: '2', link: '/etc/passwd' }], batches: false },
    /a symbolic link/],
  ['a hard link', { after: [{ name: 'cifar-10-batches-bin/test_batch.bin', type: '1', link: '/etc/passwd' }] }, /a hard link to \/etc\/passwd/],
  ['a ../ member', { before: [{ name: '../escape.txt', data: Buffer.from('x') }] }, /"\.\.\/escape\.txt", a name that leads out/],
  ['a batch reached through ../', { before: [{ name: 'cifar-10-batches-bin/../../data_batch_1.bin', data: Buffer.from('x') }] }, /leads out/],
  ['an absolute name', { after: [{ name: '/tmp/wn-absolute.txt', data: Buffer.from('x') }] }, /leads out/],
  ['a FIFO', { after: [{ name: 'cifar-10-batches-bin/fifo', type: '6' }] }, /a FIFO/],
  ['a truncated archive (no end marker)', { end: false }, /truncated/],
  ['a batch of the wrong size', { before: [{ name: 'cifar-10-batches-bin/data_batch_1.bin', data: Buffer.alloc(RECORD * 10) }], batches: false },
    /data_batch_1\.bin with 30730 bytes/],
  ['a label above 9', { before: [{ name: 'cifar-10-batches-bin/data_batch_1.bin', data: batch(12) }], batches: false }, /label 12 in record 0/],
  ['missing batches', { batches: false, after: [{ name: 'cifar-10-batches-bin/test_batch.bin', data: batch() }] }, /data_batch_1\.bin, .*data_batch_5\.bin missing/],
  ['a batch twice', { after: [{ name: 'cifar-10-batches-bin/test_batch.bin', data: batch() }] }, /test_batch\.bin twice/],
];
for (const [what, options, message] of hostile) {
  test(`refused, nothing written: ${what}`, async () => {
    const from = archive('hostile.tar.gz', options);
    const { code, out, data, parent } = await prepare(from);
    assert.equal(code, 1, out);
    assert.match(out, message);
    assert.match(out, /Nothing was extracted/);
    assert.deepEqual(tree(data), []);
    assert.deepEqual(tree(parent), ['data']);
    assert.equal(existsSync('/tmp/wn-absolute.txt'), false);
  });
}

test('a truncated .tar.gz (cut in the middle of a batch) is refused, nothing written', async () => {
  const whole = readFileSync(archive('cut.tar.gz'));
  const from = join(scratch, 'cut.tar.gz');
  writeFileSync(from, whole.subarray(0, whole.length >> 1));
  const { code, out, data } = await prepare(from);
  assert.equal(code, 1, out);
  assert.match(out, /truncated.*Nothing was extracted/);
  assert.deepEqual(tree(data), []);
});

test('links already in the data folder are replaced, never written through', async () => {
  const from = archive('good.tar.gz');
  const { code, out, data, parent } = await prepare(from, {
    setup: (dir, up) => {
      mkdirSync(join(up, 'elsewhere'));
      symlinkSync(join(up, 'elsewhere'), join(dir, 'cifar-10-batches-bin'));
      symlinkSync(join(scratch, 'secret.txt'), join(dir, 'cifar-10-binary.tar.gz'));
    },
  });
  assert.equal(code, 0, out);
  assert.deepEqual(readdirSync(join(parent, 'elsewhere')), []);
  assert.equal(readFileSync(join(scratch, 'secret.txt'), 'utf8'), 'outside');
  assert.equal(lstatSync(join(data, 'cifar-10-batches-bin')).isDirectory(), true);
  assert.equal(lstatSync(join(data, 'cifar-10-binary.tar.gz')).isFile(), true);
});

test('no network and no copy: a clear message that names --from', async () => {
  const { code, out, data } = await prepare(null, { env: { WN_CIFAR_URL: 'http://127.0.0.1:2/cifar-10-binary.tar.gz' } });
  assert.equal(code, 1, out);
  assert.match(out, /cannot reach http:\/\/127\.0\.0\.1:2\/\S* \(ECONNREFUSED\).*npm run data -- --from PATH\n/);
  assert.equal(out.split('--from PATH').length - 1, 1, out);
  assert.deepEqual(tree(data), []);
});

// npm start on a first run: the data is checked before anything is installed or built.
// cmake, emcmake, apt-get, dpkg and npm are stand-ins that only log (see origins.mjs).
function start({ copy, env = {} }) {
  const dir = mkdtempSync(join(scratch, 'start-'));
  const tools = fakeTools(join(dir, 'bin'), ['cmake', 'emcmake', 'apt-get', 'dpkg', 'npm', 'sudo']);
  const r = spawnSync('bash', ['scripts/start.sh'], {
    cwd: root, encoding: 'utf8',
    env: { ...process.env, PATH: `${tools.dir}:${process.env.PATH}`, WN_DATA_DIR: join(dir, 'data'), WN_CIFAR_COPY: copy,
      npm_lifecycle_event: 'start', PORT: 'none', ...env },
  });
  return { code: r.status, out: r.stdout + r.stderr, calls: tools.calls(), data: join(dir, 'data') };
}

test('npm start with no data, no local copy and no network stops before installing or building, and says what to do', () => {
  const { code, out, calls, data } = start({ copy: join(scratch, 'no-such-copy.tar.gz'),
    env: { WN_CIFAR_URL: 'http://127.0.0.1:2/cifar-10-binary.tar.gz' } });
  assert.equal(code, 1, out);
  assert.match(out, /cannot reach http:\/\/127\.0\.0\.1:2\/\S* \(ECONNREFUSED\)/);
  assert.match(out, /no local copy at .*no-such-copy\.tar\.gz/);
  assert.match(out, /npm run data -- --from PATH {2}and then npm start again/);
  assert.equal(out.split('--from PATH').length - 1, 1, `the advice is given once:\n${out}`);
  assert.deepEqual(calls, []);
  assert.deepEqual(tree(data), []);
});

test('npm start with a local copy: data first, then only the run packages, and a build without tests', () => {
  const { out, calls, data } = start({ copy: archive('good.tar.gz') });
  assert.equal(statSync(join(data, 'cifar-10-batches-bin/test_batch.bin')).size, RECORDS * RECORD);
  const checked = calls.filter((c) => c.startsWith('dpkg -s ')).map((c) => c.slice(8));
  assert.ok(checked.includes('emscripten') && checked.includes('cmake'), checked.join());
  assert.ok(!checked.includes('chromium') && !checked.includes('clang'), checked.join());  // test tools wait for npm test
  const configure = calls.find((c) => c.startsWith('cmake -S . -B build '));
  assert.match(configure, /-DBUILD_TESTING=OFF/);
  assert.ok(calls.some((c) => c.startsWith('emcmake cmake')), calls.join('\n'));
  assert.match(out, /--port: not a port number/);  // and then it went on to serve (PORT=none stops it there)
});

test('a download that fails: HTTP errors and damaged bytes are named, and no part file stays', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/missing.tar.gz') return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Length': 5000 }).end(Buffer.alloc(5000, 7));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const at = `http://127.0.0.1:${server.address().port}`;
  try {
    const missing = await prepare(null, { env: { WN_CIFAR_URL: `${at}/missing.tar.gz` } });
    assert.equal(missing.code, 1);
    assert.match(missing.out, /answered HTTP 404.*--from PATH/);
    assert.deepEqual(tree(missing.data), []);
    const damaged = await prepare(null, { env: { WN_CIFAR_URL: `${at}/cifar-10-binary.tar.gz` } });
    assert.equal(damaged.code, 1);
    assert.match(damaged.out, /MD5 mismatch: got \w+, expected c32a1d4ab5d03f1284b67883e8d87530/);
    assert.deepEqual(tree(damaged.data), []);
  } finally {
    await closeServer(server);
  }
});

test('an archive that is not the official one: a note that is true for a user, or the SHA256SUMS beside it', async () => {
  const from = archive('unofficial.tar.gz');
  const plain = await prepare(from);
  assert.equal(plain.code, 0, plain.out);
  assert.match(plain.out, /Note: this is not the official archive \(its MD5 is [0-9a-f]{32}, the official one's c32a1d4ab5d03f1284b67883e8d87530\)/);
  assert.match(plain.out, /layout and sizes, but nothing here can check their images and labels/);
  assert.doesNotMatch(plain.out, /SHA256SUMS|SHA-256/);
  // A folder whose SHA256SUMS lists the archive (as the developers' shared copy has).
  const dir = mkdtempSync(join(scratch, 'sums-'));
  const listed = join(dir, 'cifar-10-binary.tar.gz');
  writeFileSync(listed, readFileSync(from));
  const sha = createHash('sha256').update(readFileSync(listed)).digest('hex');
  writeFileSync(join(dir, 'SHA256SUMS'), `${sha}  cifar-10-binary.tar.gz\n`);
  const vouched = await prepare(listed);
  assert.equal(vouched.code, 0, vouched.out);
  assert.match(vouched.out, /Not the official archive \(MD5 [0-9a-f]{32}\), but it matches the SHA-256 in .*SHA256SUMS/);
  writeFileSync(join(dir, 'SHA256SUMS'), `${'0'.repeat(64)}  cifar-10-binary.tar.gz\n`);
  const wrong = await prepare(listed);
  assert.equal(wrong.code, 1, wrong.out);
  assert.match(wrong.out, /does not match .*SHA256SUMS\. Nothing was extracted/);
});
