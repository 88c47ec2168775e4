// npm run bench's WebKit part: samples/s per model in WebKitGTK (MiniBrowser under Xvfb, driven by
// tests/webkit/driver.mjs), as shipped (no SharedArrayBuffer: the single-threaded SIMD build, 1 thread)
// and with JSC_useSharedArrayBuffer=1 (the threaded build, 2 threads). As in the Chromium part, the
// embed trains 2 epochs and the second is timed (the first includes the engine's tier-up).
//   node scripts/bench-webkit.mjs [--quick]   alone; scripts/bench.mjs calls webkitBench()
import { fileURLToPath } from 'node:url';
import { startServer } from '../tests/e2e/helpers.mjs';
import { framePage, tutorialSite } from '../tests/e2e/origins.mjs';
import { missing, open } from '../tests/webkit/driver.mjs';

// epochs 1 and 2 of `model` from the frame's messages: epoch 2's own rate, as samples_per_s covers the run so far.
function secondEpochRate(events, model) {
  const rate = (epoch) => events.find((e) => e.type === 'epoch' && e.model === model && e.epoch === epoch).samples_per_s;
  return 1 / (2 / rate(2) - 1 / rate(1));
}

// One model, 2 epochs of `train` images, in the embed framed (allowed to be isolated) by an isolated page of another site.
async function timedEpochs(server, model, query, { sharedArrayBuffer, train }) {
  const trainer = server.url.replace('127.0.0.1', 'localhost');
  const site = await tutorialSite({ '/': framePage(trainer, `models=${model}&${query}&epochs=2&train=${train}&test=500&autostart=1`, 'cross-origin-isolated') },
    { isolated: true });
  const session = await open({ sharedArrayBuffer });
  try {
    await session.goto(site.url);
    // Plain fields only (see tests/e2e/webkit.test.mjs).
    const events = await session.until(`const ended = window.events.some((e) => ['done', 'diverged', 'error'].includes(e.type));
      return ended && window.events.map((e) => ({ type: e.type, model: e.model, epoch: e.epoch, samples_per_s: e.samples_per_s,
        threaded: e.threaded, threads: e.threads, simd: e.simd, message: e.message }));`, { timeout: 1800000, every: 1000, what: `${model} to finish` });
    const failed = events.filter((e) => e.type === 'error' || e.type === 'diverged');
    if (failed.length) throw new Error(failed.map((e) => e.message ?? e.type).join('; '));
    return { started: events.find((e) => e.type === 'started'), samples_per_s: secondEpochRate(events, model) };
  } finally {
    await session.close();
    await site.close();
  }
}

// Prints a line per model and build with `line(label, samples/s)`; resolves to [label, {model: samples/s}]
// rows for the PyTorch ratios, or [] when WebKit is not installed.
export async function webkitBench({ train, line }) {
  const why = missing();
  console.log(`== WebKit, WebKitGTK's MiniBrowser under Xvfb (${train}-image epochs, second epoch timed) ==`);
  if (why) {
    console.log(`  skipped: ${why}\n`);
    return [];
  }
  const server = await startServer();
  const rows = [];
  try {
    for (const [label, query, sharedArrayBuffer] of [
      ['as shipped, single-threaded build, 1 thread', 'threads=1', false],
      ['JSC_useSharedArrayBuffer=1, threaded build, 2 threads', 'threads=2', true]]) {
      const rates = {};
      for (const model of ['regular', 'weightnorm']) {
        const { started, samples_per_s } = await timedEpochs(server, model, query, { sharedArrayBuffer, train });
        const build = started.threaded ? `threaded ×${started.threads}` : 'single-threaded';
        line(`${model}, ${label} (ran: ${build}, ${started.simd})`, samples_per_s);
        rates[model] = samples_per_s;
      }
      rows.push([`WebKit, ${label}`, rates]);
    }
  } finally {
    await server.close();
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const train = process.argv.includes('--quick') ? 5000 : 10000;
  await webkitBench({ train, line: (label, sps) => console.log(`  ${label.padEnd(96)} ${Math.round(sps).toString().padStart(6)} samples/s`) });
}
