#!/usr/bin/env node
// npm run bench: where the time goes and how fast an epoch is, natively, in WebAssembly
// under node, and in headless Chromium (the real page), each also as a ratio to PyTorch training the
// same nets on this machine (when /usr/bin/python3 has torch). Prints figures; asserts nothing.
//   node scripts/bench.mjs [--quick] [--conv | --convpool]   (--quick: fewer steps, 5,000-image browser epochs;
//   --conv: only ConvPool-CNN-C's convolutions, natively, in node and in PyTorch, with their ratios;
//   --convpool: only ConvPool-CNN-C's whole training steps, natively, in Chromium and in PyTorch)
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { embedRun, launch, openPage, rendererPssMB, startServer, startTraining, waitForData } from '../tests/e2e/helpers.mjs';
import { webkitBench } from './bench-webkit.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const convOnly = process.argv.includes('--conv');
const convpoolOnly = process.argv.includes('--convpool');
const train = quick ? 5000 : 10000;
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

// ConvPool-CNN-C at the vs-bn preset's width (src/config/catalog.cpp), whole training steps (issue 20).
const convpool = { arch: 'convpool-c', width: 0.125, models: ['regular', 'batchnorm', 'weightnorm'] };
// samples/s per model from wn-bench's "training steps" lines (bench_torch.py prints the same), the first
// line with that thread count: the WebAssembly build without pthreads prints its 1-thread lines twice.
function stepRates(output, threads) {
  const rates = {};
  for (const [, model, t, sps] of output.matchAll(/^ +(\w+) +(\d+) thread\(s\):.*? (\d+) samples\/s/gm))
    if (Number(t) === threads) rates[model] ??= Number(sps);
  return rates;
}

// The benchmarks are developer tools that the product build leaves out: build them (incremental).
execFileSync('bash', ['scripts/build.sh', 'bench'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

// ConvPool-CNN-C's convolutions (issue 20), forward + dx + dW per distinct layer shape and for the stack of
// nine: wn-conv-bench natively on 2 threads and in node on 1, bench/conv_bench_torch.py on 2, same run.
const python = '/usr/bin/python3';
const haveTorch = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!convpoolOnly) {
  const reps = quick ? '5' : '10';
  // samples/s per layer name from wn-conv-bench's table (the torch script prints the same table).
  const convRates = (output) => Object.fromEntries([...output.matchAll(/^ {2}(conv[\w-]+|stack) .*? (\d+) +[\d.]+$/gm)].map(([, l, sps]) => [l, Number(sps)]));
  console.log('== ConvPool-CNN-C width 0.25, convolutions only (build/wn-conv-bench) ==');
  const cNative = run('build/wn-conv-bench', ['--threads', '2', '--reps', reps]);
  console.log(cNative);
  const cNode = run(process.execPath, ['--no-experimental-fetch', '--no-liftoff', 'build-wasm/wn-conv-bench-wasm.cjs', '--threads', '1', '--reps', reps]);
  console.log(cNode);
  if (haveTorch) {
    const cTorch = run(python, ['bench/conv_bench_torch.py', '--threads', '2', '--reps', reps]);
    console.log(cTorch);
    const [n, w, t] = [cNative, cNode, cTorch].map(convRates);
    console.log('  as ratios to PyTorch (2 threads), samples/s ours ÷ PyTorch\'s:');
    console.log(`  ${'layer'.padEnd(9)} ${'native, 2 threads'.padStart(18)} ${'node, 1 thread'.padStart(15)}`);
    for (const l of Object.keys(t))
      console.log(`  ${l.padEnd(9)} ${(n[l] / t[l]).toFixed(2).padStart(17)}× ${(w[l] / t[l]).toFixed(2).padStart(14)}×`);
    console.log('');
  }
}
if (convOnly) process.exit(0);

let torch = null;
const ratios = [];
if (!convpoolOnly) {
  console.log('== native (build/wn-bench) ==');
  const native = run('build/wn-bench', ['--steps', quick ? '100' : '300']);
  console.log(native);
  // --no-liftoff: V8's baseline code would otherwise be what a per-layer best-of-20 times.
  console.log('== WebAssembly SIMD in node (build-wasm/wn-bench-wasm.cjs, single thread, TurboFan) ==');
  const node = run(process.execPath, ['--no-experimental-fetch', '--no-liftoff', 'build-wasm/wn-bench-wasm.cjs', '--steps', quick ? '50' : '200']);
  console.log(node);

  // The yardstick: the same nets in PyTorch (tests/golden/torch_nets.py), 2 threads, timed as wn-bench times ours.
  console.log('== PyTorch, the same nets (tests/golden/bench_torch.py) ==');
  if (haveTorch) {
    const output = run(python, ['tests/golden/bench_torch.py', '--threads', '2', '--steps', quick ? '100' : '300']);
    console.log(output);
    torch = stepRates(output, 2);
  } else {
    console.log(`  skipped: ${python} cannot import torch, so no figure below is given as a ratio to PyTorch\n`);
  }
  ratios.push(['native wn-bench, 2 threads', stepRates(native, 2)], ['WebAssembly in node, 1 thread', stepRates(node, 1)]);
}

// ConvPool-CNN-C's whole training steps, natively and in PyTorch (its nn.Conv2d / BatchNorm2d / weight_norm net),
// at the vs-bn width (the page's figures below too) and at twice it (native and PyTorch only).
const cpSteps = quick ? '30' : '60';
const cp = {};  // per width: the yardstick and each of our builds' samples/s per model
for (const width of [convpool.width, 2 * convpool.width]) {
  const args = ['--arch', convpool.arch, '--width', String(width), '--threads', '2', '--steps', cpSteps];
  console.log(`== ${convpool.arch} width ${width}: native training steps (build/wn-bench --arch) ==`);
  const output = run('build/wn-bench', args);
  console.log(output);
  cp[width] = { torch: null, ratios: [['native wn-bench, 2 threads', stepRates(output, 2)]] };
  if (haveTorch) {
    console.log(`== ${convpool.arch} width ${width}: PyTorch (tests/golden/bench_torch.py --arch) ==`);
    const torchOutput = run(python, ['tests/golden/bench_torch.py', ...args]);
    console.log(torchOutput);
    cp[width].torch = stepRates(torchOutput, 2);
  }
}

// In the browser: the embed page's runs report their training speed; the second epoch is timed
// (the first includes V8's tier-up from its baseline compiler).
const server = await startServer();
const browser = await launch();

async function timedEpochs(query, images = train) {
  const runs = (query.match(/models=([^&]*)/)?.[1] || 'regular,weightnorm').split(',').length;
  const { context, events } = await embedRun(null, browser, server, `${query}&epochs=2&train=${images}&test=500&autostart=1`,
    { runs, timeout: 900000 });
  await context.close();
  const errors = events.filter((e) => e.type === 'error' || e.type === 'diverged');
  if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
  // samples_per_s covers the run so far, so epoch 2's own rate comes from the time the two epochs add up to.
  const rate = (model, epoch) => events.find((e) => e.type === 'epoch' && e.model === model && e.epoch === epoch).samples_per_s;
  return events.filter((e) => e.type === 'started').map((started) =>
    ({ model: started.model, started, samples_per_s: 1 / (2 / rate(started.model, 2) - 1 / rate(started.model, 1)) }));
}

const line = (label, sps) => console.log(`  ${label.padEnd(58)} ${Math.round(sps).toString().padStart(6)} samples/s  -> ${(50000 / sps).toFixed(2).padStart(6)} s per 50,000-image epoch`);

if (!convpoolOnly) {
  console.log(`== headless Chromium (${train}-image epochs, second epoch timed) ==`);
  const single = {};
  for (const [label, query] of [['single-threaded build, 1 thread', 'build=st&threads=1'], ['threaded build, 2 threads', 'threads=2']]) {
    const rates = {};
    for (const m of ['regular', 'weightnorm']) {
      const [e] = await timedEpochs(`models=${m}&${query}`);
      single[`${m} ${label}`] = rates[m] = e.samples_per_s;
      line(`${m}, ${label} (${e.started.simd})`, e.samples_per_s);
    }
    ratios.push([`Chromium, ${label}`, rates]);
  }
  const both = await timedEpochs('models=regular,weightnorm&threads=1');
  for (const e of both) line(`${e.model}, both models at once, 1 thread each`, e.samples_per_s);
  const total = both.reduce((t, e) => t + e.samples_per_s, 0);
  line('both models at once: total', total);
  const twoThreads = single['regular threaded build, 2 threads'];
  console.log(`  total throughput of both at once vs one model with 2 threads: ${(100 * total / twoThreads).toFixed(0)} %`);
  const wnCost = (a, b) => `${(100 * (single[`regular ${a}`] / single[`weightnorm ${a}`] - 1)).toFixed(1)} %`;
  console.log(`  weight norm slower than regular: ${wnCost('single-threaded build, 1 thread')} (single-threaded), ${wnCost('threaded build, 2 threads')} (threaded)`);
}

// ConvPool-CNN-C on the page: far slower per image than LeNet, so shorter epochs (the second one timed).
{
  const cpTrain = quick ? 512 : 1024;
  console.log(`== headless Chromium, ${convpool.arch} width ${convpool.width} (${cpTrain}-image epochs, second epoch timed) ==`);
  for (const [label, query] of [['single-threaded build, 1 thread', 'build=st&threads=1'], ['threaded build, 2 threads', 'threads=2']]) {
    const rates = {};
    for (const m of convpool.models) {
      const [e] = await timedEpochs(`models=${m}&arch=${convpool.arch}&width=${convpool.width}&${query}`, cpTrain);
      rates[m] = e.samples_per_s;
      line(`${m}, ${label} (${e.started.simd})`, e.samples_per_s);
    }
    cp[convpool.width].ratios.push([`Chromium, ${label}`, rates]);
  }
}

if (!convpoolOnly) {
  ratios.push(...await webkitBench({ train, line }));

  // Memory: the full set loaded on the page and both models training, sampled over 15 s of training (the first
  // seconds still hold the loading's transient buffers). Two views: what the page reports (JS and WebAssembly
  // heaps it can attribute; Chromium leaves the workers' own memory out) and, on Linux, the proportional set
  // size of the renderer process, which holds the page, its workers and their WebAssembly memories.
  console.log('== page memory, full 50,000 + 10,000 images, both models training ==');
  {
    const { page, context } = await openPage(browser, `${server.url}?epochs=1&train=50000&test=10000`);
    await waitForData(page, 300000);
    await startTraining(page);
    const reported = [], renderer = [];
    for (let i = 0; i < 5; ++i) {
      await page.waitForTimeout(3000);
      reported.push(await page.evaluate(async () => (await performance.measureUserAgentSpecificMemory()).bytes / 1e6));
      renderer.push(rendererPssMB());
    }
    const fmt = (v) => v.map((x) => (x == null ? '?' : x.toFixed(0))).join(', ');
    console.log(`  measureUserAgentSpecificMemory every 3 s: ${fmt(reported)} MB`);
    console.log(`  renderer process (page + workers + WebAssembly), PSS every 3 s: ${fmt(renderer)} MB`);
    await context.close();
  }
  // The learning-rate sweep as the page runs it: 2 optimisers × 5 learning rates × 2 models × 3 seeds
  // = 60 runs of one 10,000-image epoch, spread over the workers (a worker per core), timed from
  // Start to the last run's end. Goal on 2 cores: 90 s.
  console.log('== the lr-sweep experiment on the page, 3 seeds, 10,000 images, 1 epoch per run ==');
  {
    const { page, context } = await openPage(browser, `${server.url}?hooks&experiment=lr-sweep&seeds=3&train=10000&epochs=1`);
    await waitForData(page, 300000);
    const t0 = Date.now();
    await page.click('#start');
    await page.waitForFunction(() => globalThis.wnTest.state.experiment?.finished, null, { timeout: 1800000, polling: 500 });
    const s = (Date.now() - t0) / 1000;
    const runs = await page.evaluate(() => ({ n: globalThis.wnTest.state.experiment.runs.length, workers: globalThis.wnTest.state.scheduler.plan.workers }));
    console.log(`  ${runs.n} runs on ${runs.workers} workers: ${s.toFixed(1)} s wall time (goal ≤ 90 s on 2 cores)`);
    await context.close();
  }
}
await browser.close();
await server.close();

if (torch) {
  console.log('== as ratios to PyTorch (same nets, batch 32, Adam, 2 threads): samples/s ours ÷ PyTorch\'s ==');
  const row = (label, rates) => console.log(`  ${label.padEnd(44)}${['regular', 'weightnorm'].map((m) =>
    `   ${m.padEnd(10)} ${Math.round(rates[m]).toString().padStart(6)} samples/s ${(rates[m] / torch[m]).toFixed(2).padStart(6)}×`).join('')}`);
  row('PyTorch, 2 threads (the yardstick)', torch);
  for (const [label, rates] of ratios) row(label, rates);
}
// ConvPool-CNN-C: each figure as a ratio to PyTorch's, and each model's time per step relative to the plain
// net's on the same build (WN's goal: within 5 %; BN's: as measured).
for (const [width, { torch: yardstick, ratios: rows }] of Object.entries(cp)) {
  const row = (label, rates, f) => console.log(`  ${label.padEnd(42)}${convpool.models.map((m) => f(m, rates[m])).join('')}`);
  if (yardstick) {
    console.log(`== ${convpool.arch} width ${width}, as ratios to PyTorch (batch 32, Adam, 2 threads): samples/s ours ÷ PyTorch's ==`);
    const ratio = (m, sps) => `  ${m.padEnd(10)} ${Math.round(sps).toString().padStart(5)}/s ${(sps / yardstick[m]).toFixed(2).padStart(5)}×`;
    row('PyTorch, 2 threads (the yardstick)', yardstick, ratio);
    for (const [label, rates] of rows) row(label, rates, ratio);
  }
  console.log(`== ${convpool.arch} width ${width}: time per step relative to the plain net's (same build) ==`);
  for (const [label, rates] of yardstick ? [['PyTorch, 2 threads', yardstick], ...rows] : rows)
    row(label, rates, (m, sps) => `  ${m.padEnd(10)} ${(rates.regular / sps).toFixed(2)}×`);
}
