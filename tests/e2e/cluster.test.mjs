// Issue 19's cluster recipe, as docs/cluster.md gives it: a grid run whole by one wn-train, and
// the same grid as 4 shards (--shard K/4) under GNU parallel, joined by wn-merge, give the same
// run records (timings aside) and print the same summary. Also: wn-merge refuses shards whose
// settings differ, naming the setting, and files that are no history, naming the file.
// Needs Debian's `parallel` (scripts/setup.sh installs it with the test packages).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const wnTrain = join(root, 'build/wn-train');
const wnMerge = join(root, 'build/wn-merge');
const data = join(root, 'data/cifar-10-batches-bin');
// 2 learning rates × 3 seeds × both models: 12 runs in 6 blocks of a paired seed, so the 4 shards
// hold 1, 2, 1 and 2 blocks.
const GRID = ['--data', data, '--threads', '1', '--quiet', '--train-samples', '256', '--test-samples', '100',
  '--epochs', '1', '--model', 'both', '--seeds', '1-3', '--lr', '1e-3,1e-2'];
let scratch;
const children = new Set();

before(() => { scratch = mkdtempSync(join(tmpdir(), 'wn-cluster-')); });
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

function run(command, args) {
  const child = spawn(command, args);
  children.add(child);
  let stdout = '', stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  return new Promise((ok) => child.on('close', (code) => { children.delete(child); ok({ code, stdout, stderr }); }));
}

// A history without what differs from one run to the next of the same numbers: the timings.
function untimed(path) {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  for (const r of doc.runs) {
    delete r.ms_per_step;
    for (const e of r.history) delete e.seconds;
  }
  return doc;
}

const summary = (stdout) => stdout.slice(stdout.indexOf('final val_accuracy over seeds:'));

test('a grid run whole and as 4 shards under GNU parallel, merged: the same run records and summary', { timeout: 300000 }, async () => {
  const version = spawnSync('parallel', ['--version'], { encoding: 'utf8' });
  assert.ok(/^GNU parallel/.test(version.stdout ?? ''), 'GNU parallel is missing: apt-get install parallel (scripts/setup.sh test does)');
  const whole = join(scratch, 'whole.json');
  const started = Date.now();
  const one = await run(wnTrain, [...GRID, '--json', whole]);
  assert.equal(one.code, 0, one.stderr);
  const wholeMs = Date.now() - started;

  // docs/cluster.md's one-liner: {} is K.
  const at = Date.now();
  const shards = await run('parallel', ['--will-cite', '--halt', 'now,fail=1', '-j', '2',
    wnTrain, ...GRID, '--shard', '{}/4', '--json', join(scratch, 'shard-{}.json'), ':::', '0', '1', '2', '3']);
  assert.equal(shards.code, 0, shards.stderr);
  const shardMs = Date.now() - at;
  const sizes = [0, 1, 2, 3].map((k) => JSON.parse(readFileSync(join(scratch, `shard-${k}.json`), 'utf8')).runs.length);
  assert.deepEqual(sizes, [2, 4, 2, 4], 'whole blocks of paired seeds per shard');
  assert.equal(JSON.parse(readFileSync(join(scratch, 'shard-2.json'), 'utf8')).options.shard, '2/4');

  const merged = join(scratch, 'all.json');
  // In any order: the shards' own "shard" settings put them back in grid order.
  const m = await run(wnMerge, [3, 1, 0, 2].map((k) => join(scratch, `shard-${k}.json`)).concat(['--json', merged]));
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /^Merged 12 run\(s\) from 4 file\(s\), the grid's shards in order\n/);
  assert.deepEqual(untimed(merged), untimed(whole));
  assert.equal(untimed(merged).runs.length, 12);
  assert.equal(summary(m.stdout), summary(one.stdout));
  assert.match(summary(m.stdout), /weightnorm +adam lr 0\.001 +3 seed\(s\): 0\.\d{4} ± 0\.\d{4}/);
  assert.match(summary(m.stdout), /ahead of regular in \d\/3 seeds/);
  console.log(`# whole grid ${wholeMs} ms; 4 shards under parallel -j 2 ${shardMs} ms; 12 run records equal`);
});

test('wn-merge refuses shards of different settings (naming it), a missing shard and files that are no history', { timeout: 120000 }, async () => {
  const small = ['--data', data, '--threads', '1', '--quiet', '--train-samples', '64', '--test-samples', '20',
    '--model', 'regular', '--seeds', '1-2'];
  const a = join(scratch, 'r0.json'), b = join(scratch, 'r1.json');
  assert.equal((await run(wnTrain, [...small, '--epochs', '1', '--shard', '0/2', '--json', a])).code, 0);
  assert.equal((await run(wnTrain, [...small, '--epochs', '2', '--shard', '1/2', '--json', b])).code, 0);
  const differ = await run(wnMerge, [a, b, '--json', join(scratch, 'no.json')]);
  assert.equal(differ.code, 1);
  assert.equal(differ.stderr, `wn-merge: ${a} and ${b} differ in the setting "epochs" (1 vs 2): their runs are not one grid\n`);
  const missing = await run(wnMerge, [a]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'wn-merge: shard 1/2 is missing: the grid has 2 shards\n');

  const text = readFileSync(a, 'utf8');
  const truncated = join(scratch, 'truncated.json');
  writeFileSync(truncated, text.slice(0, text.length - 40));
  const cut = await run(wnMerge, [truncated]);
  assert.equal(cut.code, 1);
  assert.match(cut.stderr, new RegExp(`^wn-merge: ${truncated}: not a JSON file \\(at byte \\d+: .*truncated`));
  const foreign = join(scratch, 'package.json');
  writeFileSync(foreign, readFileSync(join(root, 'package.json')));
  const other = await run(wnMerge, [foreign]);
  assert.equal(other.code, 1);
  assert.equal(other.stderr, `wn-merge: ${foreign}: not a history file (its "format" is not "wn-history")\n`);
  const same = await run(wnMerge, [a, '--json', a]);
  assert.equal(same.code, 2, 'the output may not overwrite an input');
});
