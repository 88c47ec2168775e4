#!/usr/bin/env node
// Regenerates the README's pictures from a real run of both models: docs/screenshot-light.png and
// docs/screenshot-dark.png (the top of the page in each theme, the same run) and
// docs/screenshot-inspect.png (the "look inside" panel).
//   node scripts/screenshot.mjs [epochs=3] [train=10000]
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

async function main() {
  const [epochs = 3, train = 10000] = process.argv.slice(2).map(Number);
  const server = await startServer();
  const browser = await launch();
  const { page } = await openPage(browser, `${server.url}?hooks&epochs=${epochs}&train=${train}&test=2000`);
  await page.setViewportSize({ width: 1280, height: 1640 });  // down to the charts' legends and tools
  await waitForData(page);
  await page.click('#start');
  await page.waitForFunction(() => globalThis.wnTest.state.experiment?.finished, null, { timeout: 1800000 });
  // A picture for "try your own image": test image 12 in a wider frame, as a photo would be.
  await page.setInputFiles('#own-file', { name: 'photo.bmp', mimeType: 'image/bmp', buffer: framedTestImage(12) });
  await page.waitForSelector('#own-predictions .own-model');
  const files = await shoot(page, new URL('../docs/', import.meta.url).pathname);
  await browser.close();
  await server.close();
  console.log(`wrote ${Object.values(files).join(', ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
