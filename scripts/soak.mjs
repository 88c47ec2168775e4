#!/usr/bin/env node
// A memory soak: the full CIFAR-10 set loaded on the page and both models training for a long
// time, sampling the renderer's memory (page, workers and their WebAssembly memories) and what
// the page reports of itself. Before each sample the page and every worker collect their garbage
// (Chromium runs with --expose-gc) and Chromium purges its caches, as under memory pressure, so the
// samples show what is kept, not when V8 last collected or how full a cache is.
// Prints the samples, and the growth after the first minute: the mean of the last three samples
// against the mean of the first three.
//   node scripts/soak.mjs [--minutes 10] [--every 30]
import { launch, openPage, rendererPssMB, startServer } from '../tests/e2e/helpers.mjs';

const arg = (name, fallback) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const minutes = arg('--minutes', 10), every = arg('--every', 30);

const server = await startServer();
const browser = await launch(['--js-flags=--expose-gc']);
const { page, context, errors } = await openPage(browser, `${server.url}?hooks&models=regular,weightnorm&seeds=1&epochs=1000&train=50000&test=10000&autostart=1`);
await page.waitForFunction(() => globalThis.wnTest?.state.experiment?.runs.every((r) => r.progress.length > 0), null, { timeout: 300000 });
const started = Date.now();
const samples = [];
console.log(`soak: both models training on 50,000 images; a sample every ${every} s for ${minutes} min`);
console.log('    s  renderer PSS MB  page-reported MB  epochs done');
// Garbage collected in the page and every worker, and Chromium's caches purged as the system would
// under memory pressure (the renderer keeps raster and font caches of the redrawn charts until then):
// what is left is what the page holds.
const cdp = await context.newCDPSession(page);
async function collect() {
  await cdp.send('Memory.simulatePressureNotification', { level: 'critical' });
  await page.evaluate(() => globalThis.gc());
  for (const w of page.workers()) await w.evaluate(() => globalThis.gc?.()).catch(() => {});  // a worker may have ended
  await page.waitForTimeout(500);
}

while (Date.now() - started < minutes * 60000) {
  await collect();
  const reported = await page.evaluate(async () => (await performance.measureUserAgentSpecificMemory()).bytes / 1e6);
  const epochs = await page.evaluate(() => globalThis.wnTest.state.experiment.runs.map((r) => r.epochs.length).join('+'));
  const s = { t: Math.round((Date.now() - started) / 1000), pss: rendererPssMB(), reported, epochs };
  samples.push(s);
  console.log(`${String(s.t).padStart(5)}  ${s.pss?.toFixed(0).padStart(15)}  ${s.reported.toFixed(0).padStart(16)}  ${s.epochs}`);
  await page.waitForTimeout(Math.max(0, (samples.length * every * 1000) - (Date.now() - started)));
}
const after = samples.filter((s) => s.t >= 60);
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const growth = (key) => {
  if (after.length < 6) return 'n/a (too short)';
  const first = mean(after.slice(0, 3).map((s) => s[key])), last = mean(after.slice(-3).map((s) => s[key]));
  const peak = Math.max(...after.map((s) => s[key]));
  return `${first.toFixed(0)} → ${last.toFixed(0)} MB (${((100 * (last - first)) / first).toFixed(1)} %), peak ${peak.toFixed(0)} MB`;
};
console.log(`after the first minute: renderer ${growth('pss')}; page-reported ${growth('reported')}`);
console.log(`console errors: ${errors.length}`);
await context.close();
await browser.close();
await server.close();
