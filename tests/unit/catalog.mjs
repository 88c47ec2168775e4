// The catalog the page reads, as native wn-train prints it (`wn-train --catalog`): the same text the
// WebAssembly module's wn_catalog returns (src/config/catalog.cpp), without a browser.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const wnTrain = process.env.WN_TRAIN ?? fileURLToPath(new URL('../../build/wn-train', import.meta.url));

export function loadCatalog() {
  if (!existsSync(wnTrain)) throw new Error(`${wnTrain} is missing: build it first (bash scripts/build.sh native)`);
  return JSON.parse(execFileSync(wnTrain, ['--catalog'], { encoding: 'utf8' }));
}

// Whether wn-train takes these flags: it parses them all before --help answers.
export function cliAccepts(args) {
  const r = spawnSync(wnTrain, [...args, '--help'], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 2) throw new Error(`wn-train ${args.join(' ')}: exit ${r.status} ${r.stderr}`);
  return { ok: r.status === 0, message: r.stderr.trim() };
}
