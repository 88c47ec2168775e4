#!/usr/bin/env node
// Regenerates the README's pictures from real runs: docs/screenshot-light.png and
// docs/screenshot-dark.png (the top of the page in each theme, after the page's first experiment,
// `sgd` with its 3 seeds), docs/screenshot-inspect.png (the "look inside" panel) and
// docs/screenshot-sweep.png (Results after the `lr-sweep` preset, 3 seeds, 60 runs).
//   node scripts/screenshot.mjs [--no-sweep]
// The browser tests call shoot() on their own short run.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { framedTestImage } from '../tests/e2e/images.mjs';
import { launch, openPage, startServer, waitForData } from '../tests/e2e/helpers.mjs';

export const SCHEMES = ['light', 'dark'];

// Two animation frames: the charts repaint in the first after the theme changed.
const frames = (page) => page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));

// The page in each colour scheme, then the inspection panel (light); returns the files written.
export async function shoot(page, dir) {
  const files = {};
  await page.evaluate(() => scrollTo(0, 0));
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    await frames(page);
    files[scheme] = join(dir, `screenshot-${scheme}.png`);
    await page.screenshot({ path: files[scheme] });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await frames(page);
  files.inspect = join(dir, 'screenshot-inspect.png');
  await page.locator('#inspect').screenshot({ path: files.inspect });
  return files;
}

// Results after an lr-sweep, light: the verdict, the curves of one optimiser and the sweep.
export async function shootSweep(page, dir) {
  await page.emulateMedia({ colorScheme: 'light' });
  await frames(page);
  const file = join(dir, 'screenshot-sweep.png');
  await page.locator('#results').screenshot({ path: file });
  return file;
}

// Start, and the seconds from the click to the last run's end.
async function timedRun(page) {
  await waitForData(page);
  const t0 = Date.now();
  await page.click('#start');
  await page.waitForFunction(() => globalThis.wnTest.state.experiment?.finished, null, { timeout: 1800000, polling: 200 });
  const seconds = (Date.now() - t0) / 1000;
  await page.waitForFunction(() => ['charts', 'dynamics', 'results', 'inspect'].every((k) => !globalThis.wnTest[k].frame.pending));
  return seconds;
}

async function main() {
  const dir = new URL('../docs/', import.meta.url).pathname;
  const server = await startServer();
  const browser = await launch();
  // ?hooks alone: the page as a new user opens it, on its default experiment.
  const { page } = await openPage(browser, `${server.url}?hooks`);
  await page.setViewportSize({ width: 1280, height: 1640 });  // down to the charts' legends and tools
  const first = await timedRun(page);
  console.log(`${await page.inputValue('#experiment')}: ${first.toFixed(1)} s from Start to the last run's end`);
  // A picture for "try your own image": test image 12 in a wider frame, as a photo would be.
  await page.setInputFiles('#own-file', { name: 'photo.bmp', mimeType: 'image/bmp', buffer: framedTestImage(12) });
  await page.waitForSelector('#own-predictions .own-model');
  const files = await shoot(page, dir);
  if (!process.argv.includes('--no-sweep')) {
    await page.goto(`${server.url}?hooks&experiment=lr-sweep`);
    await page.setViewportSize({ width: 1280, height: 1000 });
    const sweep = await timedRun(page);
    console.log(`lr-sweep: ${sweep.toFixed(1)} s from Start to the last run's end`);
    files.sweep = await shootSweep(page, dir);
  }
  await browser.close();
  await server.close();
  console.log(`wrote ${Object.values(files).join(', ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
