#!/usr/bin/env node
// Prepares CIFAR-10 for the page and the CLI:
//   node data/prepare.mjs                 download the official archive (progress, MD5 check)
//   node data/prepare.mjs --from PATH     use a local copy, e.g. ../shared/cifar10/cifar-10-binary.tar.gz
// Result: data/cifar-10-binary.tar.gz (the CLI's default --data) and the extracted
// data/cifar-10-batches-bin/*.bin (what the page fetches). Both are git-ignored.
// WN_DATA_DIR replaces data/ and WN_CIFAR_URL the official URL (tests use both).
//
// The archive is read here, not by tar(1): gunzip, then 512-byte tar headers. Only the six
// regular files cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin are written, each
// 10,000 records of 3,073 bytes, into a fresh folder that replaces cifar-10-batches-bin
// only once all six are complete. A link, a device or a name leaving the folder means the
// archive is not CIFAR-10: it is refused and nothing is extracted. Nothing is written
// through a link either (new files are created exclusively; existing links are replaced,
// not followed), so nothing outside the data folder changes.
import { createHash } from 'node:crypto';
import { chmodSync, constants, createReadStream, createWriteStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync,
  renameSync, rmSync, statSync, copyFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';

const OFFICIAL_URL = process.env.WN_CIFAR_URL || 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
const OFFICIAL_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const RECORD = 3073;
const RECORDS = 10000;
const FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
const FOLDER = 'cifar-10-batches-bin';
// In the official archive besides the batches; skipped without a word.
const KNOWN_EXTRAS = ['batches.meta.txt', 'readme.html'];

const here = resolve(process.env.WN_DATA_DIR || dirname(fileURLToPath(import.meta.url)));
const archive = join(here, 'cifar-10-binary.tar.gz');
const binDir = join(here, FOLDER);

const die = (msg) => { console.error(`npm run data: ${msg}`); process.exit(1); };
const mb = (n) => (n / 1e6).toFixed(1);
// The advice for a failed download, given once: scripts/deps.sh (npm start, npm test) sets
// WN_THEN to the command to run afterwards and adds nothing of its own.
const OFFLINE = 'If you have a copy of cifar-10-binary.tar.gz, use it: npm run data -- --from PATH' +
  (process.env.WN_THEN ? `  and then ${process.env.WN_THEN} again.` : '');

function prepared() {
  return FILES.every((f) => existsSync(join(binDir, f)) && statSync(join(binDir, f)).size === RECORDS * RECORD);
}

async function download(url, dest) {
  console.log(`Downloading ${url}`);
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    die(`cannot reach ${url} (${e.cause?.code || e.cause?.message || e.message}). ${OFFLINE}`);
  }
  if (!res.ok) die(`${url} answered HTTP ${res.status}. ${OFFLINE}`);
  const total = Number(res.headers.get('content-length')) || 0;
  const tmp = dest + '.part';
  rmSync(tmp, { force: true });
  const out = createWriteStream(tmp, { flags: 'wx' });  // exclusive: never through a planted link
  const md5 = createHash('md5');
  let got = 0, last = 0;
  try {
    for await (const chunk of res.body) {
      md5.update(chunk);
      got += chunk.length;
      if (!out.write(chunk)) await new Promise((ok) => out.once('drain', ok));
      if (Date.now() - last > 500 || got === total) {
        last = Date.now();
        process.stdout.write(`\r  ${mb(got)} / ${total ? mb(total) : '?'} MB${total ? ` (${Math.round(100 * got / total)}%)` : ''}   `);
      }
    }
  } catch (e) {
    out.destroy();
    rmSync(tmp, { force: true });
    die(`the download from ${url} broke off after ${mb(got)} MB (${e.cause?.code || e.message}); try again. ${OFFLINE}`);
  }
  await new Promise((ok) => out.end(ok));
  process.stdout.write('\n');
  const sum = md5.digest('hex');
  if (sum !== OFFICIAL_MD5) {
    rmSync(tmp, { force: true });
    die(`MD5 mismatch: got ${sum}, expected ${OFFICIAL_MD5}; the download is damaged, try again`);
  }
  renameSync(tmp, dest);
  console.log(`MD5 ${sum} matches the official archive.`);
}

// Bytes from an async iterable of Buffers, taken in exact amounts.
class Bytes {
  constructor(chunks) {
    this.it = chunks[Symbol.asyncIterator]();
    this.buf = Buffer.alloc(0);
  }
  async more() {
    const { done, value } = await this.it.next();
    if (done) return false;
    this.buf = this.buf.length ? Buffer.concat([this.buf, value]) : value;
    return true;
  }
  // Exactly n bytes, or null when the input ends first.
  async take(n) {
    while (this.buf.length < n) if (!await this.more()) return null;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  // n bytes as they come, without gathering them; throws when the input ends first.
  async *pieces(n) {
    while (n > 0) {
      if (!this.buf.length && !await this.more()) throw new Refused('ends in the middle of a member: it is truncated');
      const piece = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(piece.length);
      n -= piece.length;
      yield piece;
    }
  }
  async skip(n) {
    for await (const piece of this.pieces(n)) void piece;
  }
  async drain() {
    while (await this.more()) this.buf = Buffer.alloc(0);
  }
}

class Refused extends Error {}

const text = (block, at, len) => block.subarray(at, at + len).toString('utf8').replace(/\0.*$/s, '');

// A tar number: octal text, or GNU's base-256 when the top bit of the first byte is set.
function number(block, at, len) {
  if (block[at] & 0x80) {
    let v = block[at] & 0x3f;
    for (let i = at + 1; i < at + len; i++) v = v * 256 + block[i];
    return v;
  }
  const s = text(block, at, len).trim();
  return s ? parseInt(s, 8) : 0;
}

// One 512-byte header, or null for the end-of-archive block.
function header(block) {
  if (block.every((b) => b === 0)) return null;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  if (sum !== number(block, 148, 8)) throw new Refused('has a damaged tar header (checksum mismatch)');
  const ustar = text(block, 257, 5) === 'ustar';
  const prefix = ustar ? text(block, 345, 155) : '';
  const name = text(block, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: number(block, 124, 12),
    type: block[156] ? String.fromCharCode(block[156]) : '0',
    link: text(block, 157, 100),
  };
}

const KINDS = { 1: 'a hard link', 2: 'a symbolic link', 3: 'a character device', 4: 'a block device', 6: 'a FIFO' };
const META_MAX = 1 << 16;  // pax and GNU long-name records are small; a huge one is not a name

// A pax extended header's path= record, if any.
function paxPath(data) {
  for (const record of data.toString('utf8').split('\n')) {
    const m = record.match(/^\d+ path=(.*)$/s);
    if (m) return m[1];
  }
  return null;
}

// Reads the tar stream; writes the six batches into `into`. Returns the names it skipped.
async function untar(bytes, into) {
  const seen = new Set(), skipped = [];
  let longName = null;
  for (;;) {
    const block = await bytes.take(512);
    if (!block) throw new Refused('ends before its end-of-archive marker: it is truncated');
    const h = header(block);
    if (!h) break;
    const padded = Math.ceil(h.size / 512) * 512;
    if ('xLg'.includes(h.type)) {  // pax / GNU long-name records: they rename the next member
      if (h.size > META_MAX) throw new Refused(`has a ${h.size}-byte extended header`);
      const data = await bytes.take(padded);
      if (!data) throw new Refused('ends in the middle of a member: it is truncated');
      if (h.type === 'L') longName = text(data, 0, h.size);
      if (h.type === 'x') longName = paxPath(data.subarray(0, h.size)) ?? longName;
      continue;
    }
    const name = longName ?? h.name;
    longName = null;
    if (KINDS[h.type]) throw new Refused(`holds "${name}", ${KINDS[h.type]}${h.link ? ` to ${h.link}` : ''}; CIFAR-10 has only regular files`);
    if (name.startsWith('/') || name.split('/').includes('..')) throw new Refused(`holds "${name}", a name that leads out of its folder`);
    const path = name.replace(/^(\.\/)+/, '');
    const file = path.startsWith(`${FOLDER}/`) ? path.slice(FOLDER.length + 1) : null;
    if (h.type === '5' || !'07'.includes(h.type) || !FILES.includes(file)) {
      if (h.type !== '5' && !KNOWN_EXTRAS.includes(file)) skipped.push(name);
      await bytes.skip(padded);
      continue;
    }
    if (seen.has(file)) throw new Refused(`holds ${file} twice`);
    if (h.size !== RECORDS * RECORD) {
      throw new Refused(`holds ${file} with ${h.size} bytes; CIFAR-10's has ${RECORDS} records of ${RECORD} bytes (${RECORDS * RECORD})`);
    }
    seen.add(file);
    console.log(`  ${file}`);
    await writeBatch(bytes, h.size, join(into, file), file);
    await bytes.skip(padded - h.size);
  }
  const missing = FILES.filter((f) => !seen.has(f));
  if (missing.length) throw new Refused(`does not hold the six CIFAR-10 batches: ${missing.join(', ')} missing`);
  return skipped;
}

// Writes one batch, checking every record's label (0–9) on the way.
async function writeBatch(bytes, size, path, file) {
  const out = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    let at = 0;
    for await (const piece of bytes.pieces(size)) {
      for (let p = (RECORD - at % RECORD) % RECORD; p < piece.length; p += RECORD) {
        if (piece[p] > 9) throw new Refused(`holds ${file} with label ${piece[p]} in record ${(at + p) / RECORD}; CIFAR-10's are 0–9`);
      }
      at += piece.length;
      await out.write(piece);
    }
  } finally {
    await out.close();
  }
}

// Extracts `path` into a fresh folder beside cifar-10-batches-bin, hashing the archive on the way.
// Resolves to {dir, md5, sha256}; on any problem the folder is gone and the run ends with a message.
async function stage(path) {
  const dir = mkdtempSync(join(here, '.extract-'));
  const md5 = createHash('md5'), sha256 = createHash('sha256');
  const hash = new Transform({ transform(chunk, _, done) { md5.update(chunk); sha256.update(chunk); done(null, chunk); } });
  const gunzip = createGunzip();
  const reading = pipeline(createReadStream(path), hash, gunzip);
  const bytes = new Bytes(gunzip);
  try {
    const [skipped] = await Promise.all([untar(bytes, dir).then(async (s) => { await bytes.drain(); return s; }), reading]);
    if (skipped.length) console.log(`  (skipped ${skipped.length} other member(s): ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''})`);
    return { dir, md5: md5.digest('hex'), sha256: sha256.digest('hex') };
  } catch (e) {
    gunzip.destroy();
    rmSync(dir, { recursive: true, force: true });
    const why = e instanceof Refused ? e.message : `is not a readable .tar.gz (${e.code === 'Z_BUF_ERROR' ? 'it is truncated' : e.message})`;
    die(`${path} ${why}. Nothing was extracted.`);
  }
}

// An archive that is not the official one is fine when a SHA256SUMS beside it vouches for it
// (a copy some setups keep beside the checkout). Otherwise extraction checked only its layout and
// sizes, and the note says just that: a user has no SHA256SUMS to look at.
function vouch(path, { md5, sha256 }) {
  if (md5 === OFFICIAL_MD5) return console.log('MD5 matches the official archive.');
  const sums = join(dirname(path), 'SHA256SUMS');
  const listed = existsSync(sums) && readFileSync(sums, 'utf8').split('\n').find((l) => l.trim().endsWith(basename(path)));
  if (!listed)
    return console.log(`Note: this is not the official archive (its MD5 is ${md5}, the official one's ${OFFICIAL_MD5}). ` +
      'Its six batch files have CIFAR-10\'s layout and sizes, but nothing here can check their images and labels: ' +
      'results on it may differ from results on the official data.');
  if (!listed.startsWith(sha256)) return `${path}: SHA-256 ${sha256} does not match ${sums}`;
  console.log(`Not the official archive (MD5 ${md5}), but it matches the SHA-256 in ${sums}.`);
}

// Puts `path` in place of `dest`: a rename replaces a link at dest instead of writing through it.
function replace(dest, path) {
  const old = existsSync(dest) || isLink(dest) ? `${path}.old` : null;
  if (old) renameSync(dest, old);
  renameSync(path, dest);
  if (old) rmSync(old, { recursive: true, force: true });  // rm removes links, never what they point to
}

function isLink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

async function prepareFrom(path) {
  if (!existsSync(path) || !statSync(path).isFile()) die(`${path} is not a file`);
  console.log(`Extracting ${path} (${mb(statSync(path).size)} MB) to ${binDir}`);
  const staged = await stage(path);
  const objection = vouch(path, staged);
  if (objection) {
    rmSync(staged.dir, { recursive: true, force: true });
    die(`${objection}. Nothing was extracted.`);
  }
  chmodSync(staged.dir, 0o755);  // mkdtemp made it private; the page's server may run as someone else
  replace(binDir, staged.dir);
  if (resolve(path) !== archive) {
    const copy = join(here, `.archive-${process.pid}`);
    copyFileSync(path, copy, constants.COPYFILE_EXCL);
    chmodSync(copy, 0o644);  // a read-only source (such as a shared copy) should not make ours read-only
    replace(archive, copy);
  }
}

const USAGE = 'npm run data [-- --from PATH]   prepare CIFAR-10 under data/, from PATH (a copy of cifar-10-binary.tar.gz) or\n' +
  '                                 else by downloading the official archive once';
// --from PATH (or --from=PATH) and --help; anything else is a mistake to report, not to ignore:
// a misspelt --form would otherwise start a 170 MB download.
function parseArgs(args) {
  let from = null;
  for (let i = 0; i < args.length; i++) {
    const [flag, value] = args[i].startsWith('--from=') ? ['--from', args[i].slice(7)] : [args[i], args[i + 1]];
    if (flag === '--help') return { help: true };
    if (flag !== '--from') return { error: `unknown argument '${args[i]}'` };
    if (from !== null) return { error: '--from is given twice' };
    if (!value) return { error: '--from needs a path' };
    from = value;
    if (!args[i].includes('=')) i++;
  }
  return { from };
}

const options = parseArgs(process.argv.slice(2));
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
if (options.error) {
  console.error(`npm run data: ${options.error}\n${USAGE}`);
  process.exit(2);
}
const { from } = options;

// Whether two files hold the same bytes: the same size, then the same MD5 (a quarter of a second
// for the official archive).
async function sameContents(a, b) {
  const size = (p) => { try { const st = statSync(p); return st.isFile() ? st.size : -1; } catch { return -1; } };
  if (size(a) < 0 || size(a) !== size(b)) return false;
  const md5 = async (p) => { const h = createHash('md5'); for await (const c of createReadStream(p)) h.update(c); return h.digest('hex'); };
  return (await md5(a)) === (await md5(b));
}

// An archive given with --from replaces data prepared from another one; given again, or with no
// --from, the prepared data stands.
if (prepared() && existsSync(archive) && (!from || await sameContents(from, archive))) {
  console.log(`CIFAR-10 is ready in ${binDir}`);
} else {
  mkdirSync(here, { recursive: true });
  if (!from && !existsSync(archive)) await download(OFFICIAL_URL, archive);
  await prepareFrom(from ?? archive);
  console.log('CIFAR-10 is ready: 50,000 training and 10,000 test images.');
}
