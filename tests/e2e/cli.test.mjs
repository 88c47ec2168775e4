// wn-train as a process, against what users and other processes do to it: Ctrl+C and kill in the
// middle of a run, two runs writing one --diagnostics file, a disk that is full. Each test is
// bounded by its own timeout and by the short runs it asks for (a few hundred images).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const wnTrain = join(root, 'build/wn-train');
const data = join(root, 'data/cifar-10-batches-bin');
let scratch;
const children = new Set();

before(() => { scratch = mkdtempSync(join(tmpdir(), 'wn-cli-')); });
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

// Starts wn-train on a small slice of CIFAR-10; `done` resolves to {code, signal, stderr}.
function start(args) {
  const child = spawn(wnTrain, ['--data', data, '--threads', '1', '--quiet', '--train-samples', '320', '--test-samples', '100', ...args]);
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  child.stdout.resume();
  const done = new Promise((ok) => child.on('close', (code, signal) => { children.delete(child); ok({ code, signal, stderr }); }));
  return { child, done };
}

const epochsIn = (path) => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')).runs[0].history.length;
  } catch {
    return 0;  // not written yet (it is replaced whole, so never half a file)
  }
};

async function until(check) {
  while (!check()) await new Promise((ok) => setTimeout(ok, 50));
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  // Issue 17: the history was valid but said "stopped": null after 20 of 50 epochs.
  test(`${signal} in the middle of a run: the history says "interrupted (${signal})", exit ${code}`, { timeout: 60000 }, async () => {
    const json = join(scratch, `${signal}.json`);
    const run = start(['--model', 'regular', '--epochs', '50', '--json', json]);
    await until(() => epochsIn(json) >= 2);
    run.child.kill(signal);
    const { code: exit, stderr } = await run.done;
    assert.equal(exit, code, stderr);
    const record = JSON.parse(readFileSync(json, 'utf8')).runs[0];
    assert.equal(record.stopped, `interrupted (${signal})`);
    assert.ok(record.history.length >= 2 && record.history.length < 50, `${record.history.length} epochs`);
    assert.match(stderr, new RegExp(`interrupted \\(${signal}\\) in epoch \\d+ of run 1/1; the history so far is in ${json}`));
  });
}

// Issue 17: two runs wrote 98 lines into one file, 1 of them invalid JSON, and both exited 0.
test('a second run on the same --diagnostics file is refused at once, and the first one\'s lines stay whole', { timeout: 60000 }, async () => {
  const lines = join(scratch, 'd.jsonl');
  const first = start(['--model', 'regular', '--epochs', '3', '--progress-every', '2', '--diagnostics', lines]);
  await until(() => existsSync(lines) && readFileSync(lines, 'utf8').includes('\n'));
  const second = await start(['--model', 'weightnorm', '--epochs', '1', '--diagnostics', lines]).done;
  assert.equal(second.code, 1, second.stderr);
  assert.equal(second.stderr, `wn-train: not writing ${lines}: another process (another wn-train?) is writing it\n`);
  const firstDone = await first.done;
  assert.equal(firstDone.code, 0, firstDone.stderr);
  const records = readFileSync(lines, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.ok(records.length > 3, `${records.length} lines`);
  assert.ok(records.every((r) => r.model === 'regular'), 'only the first run wrote');
});

// Issue 17: a failed save printed "cannot write /dev/full: …" and then "the weights of /dev/full were not saved".
test('--save-weights on a full disk: one message that says which run and why, exit 1', { timeout: 60000 }, async () => {
  const { code, stderr } = await start(['--model', 'regular', '--epochs', '1', '--save-weights', '/dev/full']).done;
  assert.equal(code, 1, stderr);
  assert.equal(stderr, 'wn-train: the weights of run 1/1 were not saved: cannot write /dev/full: No space left on device\n');
});

// A link to a pipe at the check (/dev/stdout → /proc/self/fd/1 → pipe:[…], which has no path of its
// own) is written through the link, not refused for being one. (Node's own stdio pipes are socket
// pairs, which outputs refuse: `| cat` makes a real pipe.)
test('--json and --diagnostics on /dev/stdout, a pipe: written there, exit 0', { timeout: 60000 }, async () => {
  for (const flag of ['--json', '--diagnostics']) {
    const args = ['--data', data, '--threads', '1', '--quiet', '--train-samples', '64', '--test-samples', '10',
      '--model', 'regular', '--epochs', '1', flag, '/dev/stdout'];
    const child = spawn('bash', ['-c', '"$@" | cat; exit ${PIPESTATUS[0]}', 'bash', wnTrain, ...args]);
    children.add(child);
    let stdout = '', stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const code = await new Promise((ok) => child.on('close', ok));
    children.delete(child);
    assert.equal(code, 0, `${flag}: ${stderr}`);
    assert.match(stdout, flag === '--json' ? /^\{"format": "wn-history"/m : /^\{"model": "regular"/m, flag);
  }
});
