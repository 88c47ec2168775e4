// Text the page shows or exports: Keras-style log lines, status lines, the history file (the
// schema of docs/history.md, shared with wn-train --json) and its CSV.

const fixed = (v, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : String(v));

// "Epoch 3/10 313/313 - 4s 12ms/step - loss: 1.2510 - accuracy: 0.5497 - val_loss: … - val_accuracy: …"
export function epochLine(e) {
  const l = e.log;
  return `Epoch ${l.epoch}/${e.epochs} ${e.steps}/${e.steps} - ${Math.round(l.seconds)}s ` +
    `${Math.round(e.ms_per_step)}ms/step - loss: ${fixed(l.loss)} - accuracy: ${fixed(l.accuracy)} - ` +
    `val_loss: ${fixed(l.val_loss)} - val_accuracy: ${fixed(l.val_accuracy)}`;
}

export function statusLine(p, started) {
  const build = started ? ` · ${started.threads} thread${started.threads === 1 ? '' : 's'} · ${started.simd}` +
    ` (${started.threaded ? 'threaded' : 'single-threaded'} build)` : '';
  if (!p) return started ? `started${build}` : 'waiting…';
  return `epoch ${p.epoch} · step ${p.step}/${p.steps} · ${p.ms_per_step.toFixed(1)} ms/step · ` +
    `${Math.round(p.samples_per_s).toLocaleString('en')} samples/s${build}`;
}

export function duration(seconds) {
  if (seconds == null) return '';
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

export const HISTORY_FORMAT = 'wn-history';
export const HISTORY_VERSION = 1;

// options: the settings all runs share, with the CLI's keys.
export function historyJson(records, options) {
  return JSON.stringify({ format: HISTORY_FORMAT, version: HISTORY_VERSION, tool: options.tool, options: options.shared, runs: records }, null, 2);
}

// Keras' CSVLogger columns, then which run a row belongs to.
const CSV_COLUMNS = ['epoch', 'accuracy', 'loss', 'val_accuracy', 'val_loss'];
export function historyCsv(records) {
  const rows = [[...CSV_COLUMNS, 'model', 'wn_init', 'seed', 'lr'].join(',')];
  for (const r of records)
    for (const e of r.history) rows.push([...CSV_COLUMNS.map((c) => e[c]), r.model, r.wn_init, r.seed, r.learning_rate].join(','));
  return rows.join('\n') + '\n';
}

export function download(name, blobOrUrl) {
  const a = document.createElement('a');
  a.href = typeof blobOrUrl === 'string' ? blobOrUrl : URL.createObjectURL(blobOrUrl);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  if (typeof blobOrUrl !== 'string') setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
