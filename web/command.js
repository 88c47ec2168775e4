// "Run this at full scale": the wn-train command lines for the page's form, and the GNU parallel
// and Slurm recipes of docs/cluster.md around them. DOM-free: it reads the form's URL parameters
// (the object the page mirrors into its URL and runs), and the catalog says which flag each
// parameter is (src/config/settings.cpp: a setting with a `param` and a `flag`). No flag is named
// here; only the page's own shapes are unfolded: its seed count (`seeds`, from the first `seed`)
// becomes one --seeds range, and its optimiser sweeps become the optimiser settings' flags.
import { expandJobs } from './experiment.js';
import { formatSweeps, parseParams, specErrors, specFrom } from './params.js';

// Where `npm start` puts the binaries, relative to the checkout the commands run in.
export const BIN = 'build/';
// The folder the cluster recipes write their shards and merged history into (a bare shell word).
export const OUT = 'out';
// Slurm's default MaxArraySize (1001) allows array indices up to 1000: at most that many shards.
export const MAX_SHARDS = 1000;

// One shell word: bare when it holds only characters no POSIX shell treats specially, else in
// single quotes, where nothing is special but the quote itself ('\'' closes, escapes, reopens).
const BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;
export const shellQuote = (arg) => (BARE.test(String(arg)) ? String(arg) : `'${String(arg).replace(/'/g, "'\\''")}'`);
export const shellLine = (words) => words.map(shellQuote).join(' ');

// The settings a sweep spells out, in the order a sweep reads (OPTIMIZER@MOMENTUM:LR,…): each
// sweep is one --optimizer, its --lr list and its --momentum.
const SWEEP_KEYS = ['optimizer', 'learning_rate', 'momentum'];

// "1-5", or "7" for one seed: the page's seeds are always a run of consecutive numbers.
const seedRange = (seeds) => (seeds.length > 1 ? `${seeds[0]}-${seeds.at(-1)}` : String(seeds[0]));

// params: URLSearchParams (or its string) with the page's parameter names. Returns {errors} when
// the page would refuse them, else {spec, grids}: spec as the page runs it (web/params.js specFrom),
// and per wn-train command {name, args (the grid's flags, unquoted), runs, blocks}. wn-train takes
// one optimiser setting, so several sweeps are one command each (name: the optimiser), unless the
// form is a preset whose own sweeps they are: then `--experiment NAME` brings them all in one.
export function gridCommands(params, catalog) {
  const given = new URLSearchParams(params);
  for (const [k, v] of [...given]) if (v === '') given.delete(k);  // an empty field: not set
  const { values, errors } = parseParams(given, catalog);
  if (errors.length) return { errors };
  const spec = specFrom(values, catalog);
  const more = specErrors(spec, catalog);
  if (more.length) return { errors: more };

  const bySetting = new Map(catalog.settings.map((s) => [s.key, s]));
  const preset = catalog.experiments.find((e) => e.name === spec.experiment);
  const presetSweeps = preset && spec.sweeps.length > 1 && formatSweeps(preset.sweeps) === formatSweeps(spec.sweeps);
  const shared = [];
  for (const s of catalog.settings) {
    if (!s.flag || !s.param || SWEEP_KEYS.includes(s.key)) continue;
    if (s.key === 'seed') shared.push(s.flag, seedRange(spec.seeds));
    else if (given.has(s.param)) shared.push(s.flag, given.get(s.param));
  }
  const sweepArgs = (sweep) => {
    // Without --momentum, wn-train keeps the preset's momentum for the preset's optimiser.
    const inherited = preset?.sweeps[0].optimizer === sweep.optimizer ? preset.sweeps[0].momentum : 0;
    const value = { optimizer: sweep.optimizer, learning_rate: sweep.lrs.join(','), momentum: String(sweep.momentum) };
    return SWEEP_KEYS.filter((k) => k !== 'momentum' || sweep.momentum || inherited)
      .flatMap((k) => [bySetting.get(k).flag, value[k]]);
  };
  const grid = (sweeps, name, args) => ({
    name, args, runs: expandJobs({ ...spec, sweeps }).length,
    blocks: spec.seeds.length * sweeps.reduce((n, s) => n + s.lrs.length, 0),
  });
  const grids = presetSweeps || spec.sweeps.length === 1
    ? [grid(spec.sweeps, null, presetSweeps ? shared : [...shared, ...sweepArgs(spec.sweeps[0])])]
    : spec.sweeps.map((s) => grid([s], s.optimizer, [...shared, ...sweepArgs(s)]));
  return { spec, grids };
}

// FILE with "-NAME" before its extension: history.json → history-adam.json.
export function suffixed(file, name) {
  if (!name) return file;
  const dot = file.lastIndexOf('.');
  return dot > file.lastIndexOf('/') + 1 ? `${file.slice(0, dot)}-${name}${file.slice(dot)}` : `${file}-${name}`;
}

// The shell lines of each recipe for gridCommands' grids, as {local, parallel, slurm}, each
// {text, note}; parallel's text is null where it cannot be given safely (note says why).
// data: the --data path; json: the history file of the local run.
export function recipes(grids, { data, json }) {
  const many = grids.length > 1;
  const train = `${BIN}wn-train`, merge = `${BIN}wn-merge`;
  const out = (g) => (many ? `${OUT}/${g.name}` : OUT);
  const shards = (g) => Math.max(1, Math.min(g.blocks, MAX_SHARDS));
  const runs = grids.reduce((n, g) => n + g.runs, 0);
  const joinNote = many
    ? `wn-train takes one optimiser per command (--optimizer, a --lr list, --momentum), so the form's ${grids.length} optimisers are ${grids.length} commands; wn-merge joins their histories into one, in the page's order.`
    : '';

  const local = grids.map((g) => shellLine([train, ...g.args, '--data', data, '--json', suffixed(json, g.name)]));
  if (many) local.push(shellLine([merge, ...grids.map((g) => suffixed(json, g.name)), '--json', json]));

  // GNU parallel reads {…} in any word as its replacement strings, {= … =} as Perl to run: a
  // word of the form's with a brace cannot go through it safely.
  const braced = grids.some((g) => [...g.args, data].some((a) => a.includes('{')));
  const parallel = [];
  for (const g of grids) {
    const n = shards(g);
    parallel.push(shellLine(['mkdir', '-p', out(g)]));
    parallel.push(`parallel -q --halt now,fail=1 ${shellLine([train, '--threads', '1', '--quiet', ...g.args, '--data', data])} ` +
      `--shard {}/${n} --json ${shellQuote(out(g))}/shard-{}.json ::: $(seq 0 ${n - 1})`);
    parallel.push(`${merge} ${out(g)}/shard-*.json --json ${out(g)}/all.json`);
  }
  if (many) parallel.push(shellLine([merge, ...grids.map((g) => `${out(g)}/all.json`), '--json', `${OUT}/all.json`]));

  // scripts/slurm/: an array of N tasks (task K runs --shard K/N), and a merge after all of them.
  const slurm = [];
  grids.forEach((g, i) => {
    const id = many ? `_${g.name}` : '';
    const n = shards(g);
    slurm.push(`array${id}=$(sbatch --parsable --array=0-${n - 1} ${shellLine(['scripts/slurm/sweep.sbatch', out(g), ...g.args, '--data', data])})`);
    const after = `sbatch${many ? ' --parsable' : ''} --dependency=afterok:\${array${id}%%;*} ${shellLine(['scripts/slurm/merge.sbatch', out(g)])}`;
    slurm.push(many ? `merge${id}=$(${after})` : after);
    if (i === grids.length - 1 && many) {
      const waits = grids.map((h) => `:\${merge_${h.name}%%;*}`).join('');
      const wrapped = shellLine([merge, ...grids.map((h) => `${out(h)}/all.json`), '--json', `${OUT}/all.json`]);
      slurm.push(`sbatch --dependency=afterok${waits} --wrap ${shellQuote(wrapped)}`);
    }
  });

  const shardNote = grids.map((g) => `${shards(g)} shards${many ? ` for ${g.name}` : ''}`).join(', ');
  return {
    runs,
    local: { text: local.join('\n'), note: `${runs} run(s), in turn, in one process${many ? ' per optimiser' : ''}. ${joinNote}`.trim() },
    parallel: braced
      ? { text: null, note: 'GNU parallel reads {…} in its arguments as its own replacement strings (and {=…=} as Perl): rename the data file, or use the Slurm lines.' }
      : { text: parallel.join('\n'), note: `${shardNote}: one per seed and learning rate, its models paired in one shard; one thread each, as many at a time as there are cores. ${joinNote}`.trim() },
    slurm: { text: slurm.join('\n'), note: `A job array of ${shardNote}, then a merge job once every task succeeded (docs/cluster.md). ${joinNote}`.trim() },
  };
}
