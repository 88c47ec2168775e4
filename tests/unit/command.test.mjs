// web/command.js: the page's form as wn-train command lines, GNU parallel and Slurm recipes. Its
// flags come from the catalog's settings table; what it prints, bash reads back word for word.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import '../../web/protocol.js';
import { gridCommands, MAX_SHARDS, recipes, shellLine, shellQuote, suffixed } from '../../web/command.js';
import { expandJobs } from '../../web/experiment.js';
import { parseParams, specFrom } from '../../web/params.js';
import { cliAccepts, loadCatalog } from './catalog.mjs';

const catalog = loadCatalog();
// A small form as the page's Controls.params() writes it.
const FORM = 'models=regular,weightnorm&wninit=tfa,paper&optimizer=sgd&lr=0.01,0.1&momentum=0.9&seed=3&seeds=4' +
  '&arch=lenet&width=0.5&epochs=2&batch=16&train=640&test=200&initsamples=48';

// The words bash makes of a line: each printed with a NUL after it.
function bashWords(line, cwd) {
  const r = spawnSync('bash', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8', cwd });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

test('shell quoting: bash reads every word back as it was, and runs nothing inside one', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'wn-quote-'));
  try {
    const words = ['lenet', '--lr', '1e-3,1e-2', 'data/cifar-10-binary.tar.gz', '', 'a b', "it's", '"double"', '$(touch pwned)',
      '`touch pwned`', '; touch pwned', 'x && touch pwned', '$HOME', '~', '*', 'new\nline', 'tab\there', '\\', '!', '{}', 'ü-ß'];
    assert.deepEqual(bashWords(shellLine(words), scratch), words);
    assert.equal(existsSync(join(scratch, 'pwned')), false);
    // Words without anything a shell treats specially stay bare.
    assert.equal(shellLine(['--arch', 'lrelu-c32k3s-p2-gap-d10', '--seeds', '1-5', '--data', 'a/b_c.tar.gz']),
      '--arch lrelu-c32k3s-p2-gap-d10 --seeds 1-5 --data a/b_c.tar.gz');
    assert.equal(shellQuote("it's"), "'it'\\''s'");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('one optimiser: one command, every form setting as its flag; --seeds S-(S+N-1); wn-train takes it', () => {
  const { grids, spec } = gridCommands(FORM, catalog);
  assert.equal(grids.length, 1);
  assert.deepEqual(grids[0].args, ['--model', 'regular,weightnorm', '--wn-init', 'tfa,paper', '--arch', 'lenet', '--width', '0.5',
    '--epochs', '2', '--batch-size', '16', '--train-samples', '640', '--test-samples', '200', '--seeds', '3-6',
    '--init-samples', '48', '--optimizer', 'sgd', '--lr', '0.01,0.1', '--momentum', '0.9']);
  // The runs the page would run: 3 variants × 4 seeds × 2 rates, in 8 blocks of a seed and a rate.
  assert.equal(grids[0].runs, expandJobs(specFrom(parseParams(FORM, catalog).values, catalog)).length);
  assert.equal(grids[0].runs, 24);
  assert.equal(grids[0].blocks, 8);
  assert.deepEqual(spec.seeds, [3, 4, 5, 6]);
  assert.ok(cliAccepts(grids[0].args).ok);
  assert.deepEqual(gridCommands('seed=7&seeds=1', catalog).grids[0].args.slice(0, 2), ['--seeds', '7']);
});

test('the flags are the catalog\'s: renamed in the settings table, renamed in the command', () => {
  const { checkText, ...plain } = catalog;
  const renamed = { ...structuredClone(plain), checkText };
  for (const s of renamed.settings) if (s.flag) s.flag = s.flag.replace(/^--/, '--x-');
  const args = gridCommands(FORM, renamed).grids[0].args;
  const flags = args.filter((a) => a.startsWith('--'));
  assert.equal(flags.length, 13);
  assert.ok(flags.every((f) => f.startsWith('--x-')), flags.join(' '));
  // Every flag is a setting of the table with a page parameter (the seed list: the page's first seed and count).
  const paged = new Set(catalog.settings.filter((s) => s.flag && s.param).map((s) => s.flag));
  for (const f of gridCommands(FORM, catalog).grids[0].args.filter((a) => a.startsWith('--'))) assert.ok(paged.has(f), f);
  // threads, a URL parameter of the page, is one too; build and autostart, the page's own, are not.
  const more = gridCommands(`${FORM}&threads=1&build=st&autostart=1`, catalog).grids[0].args;
  assert.deepEqual(more.slice(-8, -6), ['--threads', '1']);
  assert.ok(!more.some((a) => /build|autostart/.test(a)));
});

test('several optimisers: one command each, joined by wn-merge; a preset\'s own sweeps stay one command', () => {
  const form = FORM.replace('optimizer=sgd&lr=0.01,0.1&momentum=0.9', 'sweeps=adam:3e-4,1e-3;sgd@0.9:0.01');
  const { grids } = gridCommands(form, catalog);
  assert.deepEqual(grids.map((g) => g.name), ['adam', 'sgd']);
  assert.deepEqual(grids.map((g) => g.args.slice(-6)), [
    ['--init-samples', '48', '--optimizer', 'adam', '--lr', '0.0003,0.001'],
    ['--optimizer', 'sgd', '--lr', '0.01', '--momentum', '0.9']]);
  assert.deepEqual(grids.map((g) => g.runs), [24, 12]);
  for (const g of grids) assert.ok(cliAccepts(g.args).ok, g.args.join(' '));
  const lines = recipes(grids, { data: 'data/cifar-10-binary.tar.gz', json: 'h.json' });
  assert.deepEqual(lines.local.text.split('\n').map((l) => l.split(' ').slice(-2).join(' ')),
    ['--json h-adam.json', '--json h-sgd.json', '--json h.json']);
  assert.match(lines.local.text.split('\n')[2], /^build\/wn-merge h-adam\.json h-sgd\.json --json h\.json$/);
  assert.match(lines.local.note, /^36 run\(s\).*2 commands; wn-merge joins/);

  // lr-sweep as its preset has it: --experiment brings both sweeps; changed, one command per sweep.
  const preset = catalog.experiments.find((e) => e.name === 'lr-sweep');
  const sweeps = preset.sweeps.map((s) => `${s.optimizer}:${s.lrs.join(',')}`).join(';');
  const whole = gridCommands(`experiment=lr-sweep&sweeps=${sweeps}&seed=1&seeds=3`, catalog).grids;
  assert.equal(whole.length, 1);
  assert.deepEqual(whole[0].args, ['--experiment', 'lr-sweep', '--seeds', '1-3']);
  assert.equal(whole[0].runs, 2 * 3 * 10);
  assert.equal(gridCommands(`experiment=lr-sweep&sweeps=adam:1e-3;sgd:0.1&seed=1&seeds=3`, catalog).grids.length, 2);
});

test('what the page would refuse is an error, not a command; an empty field is no flag', () => {
  assert.deepEqual(gridCommands('lr=abc', catalog).errors, ['lr=abc: abc not a number from 1e-9 to 100']);
  assert.match(gridCommands('arch=c8k3s;rm', catalog).errors[0], /^arch=c8k3s;rm: .*--arch: 'c8k3s;rm': unexpected ';rm'/);
  assert.deepEqual(gridCommands('optimizer=adam&momentum=0.9', catalog).errors, ['momentum applies to optimizer=sgd only']);
  const plain = gridCommands('models=regular&wninit=&initsamples=', catalog).grids[0].args;
  assert.ok(!plain.includes('--wn-init') && !plain.includes('--init-samples'), plain.join(' '));
  assert.ok(cliAccepts(plain).ok);
});

test('the recipes: GNU parallel and the Slurm array split the grid by its blocks; a braced file name skips parallel', () => {
  const { grids } = gridCommands(FORM, catalog);
  const data = "my data/it's.tar.gz";
  const lines = recipes(grids, { data, json: 'h.json' });
  const [mkdir, parallel, merge] = lines.parallel.text.split('\n');
  assert.equal(mkdir, 'mkdir -p out');
  assert.match(parallel, /^parallel -q --halt now,fail=1 build\/wn-train --threads 1 --quiet --model .* --data 'my data\/it'\\''s\.tar\.gz' --shard \{\}\/8 --json out\/shard-\{\}\.json ::: \$\(seq 0 7\)$/);
  assert.equal(merge, 'build/wn-merge out/shard-*.json --json out/all.json');
  const [array, after] = lines.slurm.text.split('\n');
  assert.match(array, /^array=\$\(sbatch --parsable --array=0-7 scripts\/slurm\/sweep\.sbatch out --model .* --momentum 0\.9 --data 'my data\/it'\\''s\.tar\.gz'\)$/);
  assert.equal(after, 'sbatch --dependency=afterok:${array%%;*} scripts/slurm/merge.sbatch out');
  // The words sbatch gets are the grid's.
  assert.deepEqual(bashWords(array.slice('array=$(sbatch --parsable --array=0-7 '.length, -1)),
    ['scripts/slurm/sweep.sbatch', 'out', ...grids[0].args, '--data', data]);

  const braced = recipes(grids, { data: '{=system("id")=}.tar.gz', json: 'h.json' });
  assert.equal(braced.parallel.text, null);
  assert.match(braced.parallel.note, /replacement strings/);
  assert.match(braced.local.text, /--data '\{=system\("id"\)=\}\.tar\.gz'/);

  // More blocks than a Slurm array takes by default: at most MAX_SHARDS shards.
  const big = gridCommands('seed=1&seeds=100&lr=1e-4,2e-4,3e-4,4e-4,5e-4,6e-4,7e-4,8e-4,9e-4,1e-3,2e-3', catalog).grids;
  assert.equal(big[0].blocks, 1100);
  assert.match(recipes(big, { data: 'd', json: 'h.json' }).slurm.text, new RegExp(`--array=0-${MAX_SHARDS - 1} `));
});

test('suffixed: the per-optimiser history files', () => {
  assert.equal(suffixed('history.json', 'adam'), 'history-adam.json');
  assert.equal(suffixed('runs/h', 'sgd'), 'runs/h-sgd');
  assert.equal(suffixed('a.b/h', 'sgd'), 'a.b/h-sgd');
  assert.equal(suffixed('.json', 'sgd'), '.json-sgd');
  assert.equal(suffixed('history.json', null), 'history.json');
});
