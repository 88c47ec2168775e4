#!/usr/bin/env node
// Prepares CIFAR-10 for the page and the CLI:
//   node data/prepare.mjs                 download the official archive (progress, MD5 check)
//   node data/prepare.mjs --from PATH     use a local copy, e.g. ../shared/cifar10/cifar-10-binary.tar.gz
// Result: data/cifar-10-binary.tar.gz (the CLI's default --data) and the extracted
// data/cifar-10-batches-bin/*.bin (what the page fetches). Both are git-ignored.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, copyFileSync, chmodSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const OFFICIAL_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
const OFFICIAL_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const RECORD = 3073;
const FILES = { 'data_batch_1.bin': 10000, 'data_batch_2.bin': 10000, 'data_batch_3.bin': 10000,
  'data_batch_4.bin': 10000, 'data_batch_5.bin': 10000, 'test_batch.bin': 10000 };

const here = dirname(fileURLToPath(import.meta.url));
const archive = join(here, 'cifar-10-binary.tar.gz');
const binDir = join(here, 'cifar-10-batches-bin');

const die = (msg) => { console.error(`npm run data: ${msg}`); process.exit(1); };
const mb = (n) => (n / 1e6).toFixed(1);

function prepared() {
  return Object.entries(FILES).every(([f, n]) => existsSync(join(binDir, f)) && statSync(join(binDir, f)).size === n * RECORD);
}

async function hashFile(path, algo) {
  const h = createHash(algo);
  for await (const chunk of createReadStream(path)) h.update(chunk);
  return h.digest('hex');
}

async function download(url, dest) {
  console.log(`Downloading ${url}`);
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    die(`cannot reach ${url} (${e.cause?.code || e.message}). Without network, pass a local copy: npm run data -- --from PATH`);
  }
  if (!res.ok) die(`${url} answered HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || 0;
  const tmp = dest + '.part';
  const out = createWriteStream(tmp);
  const md5 = createHash('md5');
  let got = 0, last = 0;
  for await (const chunk of res.body) {
    md5.update(chunk);
    got += chunk.length;
    if (!out.write(chunk)) await new Promise((ok) => out.once('drain', ok));
    if (Date.now() - last > 500 || got === total) {
      last = Date.now();
      process.stdout.write(`\r  ${mb(got)} / ${total ? mb(total) : '?'} MB${total ? ` (${Math.round(100 * got / total)}%)` : ''}   `);
    }
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

async function useLocal(path) {
  if (!existsSync(path)) die(`${path} does not exist`);
  console.log(`Using ${path} (${mb(statSync(path).size)} MB)`);
  const md5 = await hashFile(path, 'md5');
  if (md5 === OFFICIAL_MD5) {
    console.log('MD5 matches the official archive.');
  } else {
    // A copy laid out like the official file (such as ../shared/cifar10) is fine; say so,
    // and check it against a SHA256SUMS beside it when there is one.
    const sums = join(dirname(path), 'SHA256SUMS');
    const listed = existsSync(sums) && readFileSync(sums, 'utf8').split('\n').find((l) => l.trim().endsWith(basename(path)));
    if (listed) {
      const sha = await hashFile(path, 'sha256');
      if (!listed.startsWith(sha)) die(`${path}: SHA-256 ${sha} does not match ${sums}`);
      console.log(`Not the official archive (MD5 ${md5}), but it matches the SHA-256 in ${sums}.`);
    } else {
      console.log(`Note: MD5 ${md5} differs from the official archive's ${OFFICIAL_MD5}; its contents are checked on extraction.`);
    }
  }
  if (resolve(path) !== archive) {
    copyFileSync(path, archive);
    chmodSync(archive, 0o644);
  }
}

function extract() {
  console.log(`Extracting to ${binDir}`);
  try {
    execFileSync('tar', ['-xzf', archive, '-C', here], { stdio: 'inherit' });
  } catch {
    die(`${archive} is not a readable .tar.gz`);
  }
  if (!prepared()) die(`${archive} does not hold the six CIFAR-10 .bin files of 10,000 records each`);
}

const args = process.argv.slice(2);
const fromAt = args.indexOf('--from');
const from = fromAt >= 0 ? args[fromAt + 1] : null;
if (fromAt >= 0 && !from) die('--from needs a path');
if (args.includes('--help')) {
  console.log('npm run data [-- --from PATH]   prepare CIFAR-10 under data/');
  process.exit(0);
}

if (prepared() && existsSync(archive)) {
  console.log(`CIFAR-10 is ready in ${binDir}`);
} else {
  mkdirSync(here, { recursive: true });
  if (from) await useLocal(from);
  else if (!existsSync(archive)) await download(OFFICIAL_URL, archive);
  extract();
  console.log('CIFAR-10 is ready: 50,000 training and 10,000 test images.');
}
