// Architectures on the page: the form's architecture and width fields, checked and costed by the
// module's settings table before anything starts, and the vs-bn preset's four models.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { embedRun, launch, openPage, ready, startServer, text } from './helpers.mjs';

const root = new URL('../../', import.meta.url).pathname;
let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

// The trainable parameters wn-train's model summary gives for a kind of an architecture.
function nativeParams(arch, width, model) {
  const out = execFileSync(`${root}build/wn-train`, ['--data', `${root}data/cifar-10-batches-bin`, '--arch', arch, '--width', String(width),
    '--model', model, '--epochs', '0', '--train-samples', '32', '--test-samples', '10'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return Number(/total params: (\d+)/.exec(out)[1]);
}

test('the form shows each model\'s parameters and FLOPs, as wn-train counts them; a bad spec is refused with the core\'s reason', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks&arch=convpool-c&width=0.125&models=regular,batchnorm`, t);
  await ready(page);
  assert.equal(await page.inputValue('#arch'), 'convpool-c');
  assert.equal(await page.inputValue('#width'), '0.125');
  const cost = await text(page, '#arch-cost');
  for (const model of ['regular', 'batchnorm']) {
    const n = nativeParams('convpool-c', 0.125, model);
    assert.match(cost, new RegExp(`${model}: ${n.toLocaleString('en')} parameters, [\\d.]+ MFLOPs per training image`), cost);
  }
  await page.fill('#arch', 'c8k3s-p64-d10');
  assert.match(await text(page, '#arch-cost'), /a pool size must be from 1 to 32/);
  assert.equal(await page.$eval('#arch', (e) => e.validity.valid), false);
  await page.fill('#arch', 'c8k3s-p2-gap-d10');
  assert.equal(await page.$eval('#arch', (e) => e.validity.valid), true);
  assert.match(await text(page, '#arch-cost'), /regular: [\d,]+ parameters/);
  assert.match(page.url(), /arch=c8k3s-p2-gap-d10/);
  assert.deepEqual(errors, []);
});

test('the embed runs the vs-bn preset: four models on ConvPool-CNN-C, batch norm in the history', async (t) => {
  const { events } = await embedRun(t, browser, server, 'experiment=vs-bn&seeds=1&epochs=1&train=192&test=100&autostart=1',
    { runs: 4, timeout: 300000 });
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  const done = events.filter((e) => e.type === 'done');
  assert.deepEqual(done.map((e) => e.model).sort(), ['batchnorm', 'regular', 'weightnorm', 'wn-mobn']);
  for (const e of done) assert.ok(e.run.history[0].val_accuracy >= 0 && e.steps === 6, `${e.model}: ${JSON.stringify(e.run.history[0])}`);
});
