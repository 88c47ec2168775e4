// Text the page shows or exports: Keras-style log lines, status lines, CSV.

const fixed = (v, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : String(v));

// "Epoch 3/10 313/313 - 4s 12ms/step - loss: 1.2510 - accuracy: 0.5497 - val_loss: … - val_accuracy: …"
export function epochLine(e) {
  return `Epoch ${e.epoch}/${e.epochs} ${e.steps}/${e.steps} - ${Math.round(e.seconds)}s ` +
    `${Math.round((1000 * e.seconds) / e.steps)}ms/step - loss: ${fixed(e.loss)} - accuracy: ${fixed(e.accuracy)} - ` +
    `val_loss: ${fixed(e.val_loss)} - val_accuracy: ${fixed(e.val_accuracy)}`;
}

export function statusLine(p, ready) {
  const build = ready ? ` · ${ready.threads} thread${ready.threads === 1 ? '' : 's'} · ${ready.simd}` +
    ` (${ready.threaded ? 'threaded' : 'single-threaded'} build)` : '';
  if (!p) return ready ? `ready${build}` : 'starting…';
  return `epoch ${p.epoch} · step ${p.step}/${p.steps} · ${p.ms_per_step.toFixed(1)} ms/step · ` +
    `${Math.round(p.samples_per_s).toLocaleString('en')} samples/s${build}`;
}

const COLUMNS = ['epoch', 'seconds', 'loss', 'accuracy', 'val_loss', 'val_accuracy'];

export function historyCsv(histories) {
  const rows = ['model,' + COLUMNS.join(',')];
  for (const [model, h] of Object.entries(histories))
    for (const e of h.epochs) rows.push([model, ...COLUMNS.map((c) => e[c])].join(','));
  return rows.join('\n') + '\n';
}

export function historyJson(histories, options) {
  const models = {};
  for (const [model, h] of Object.entries(histories))
    models[model] = { ms_per_step: h.ms_per_step ?? null, stopped: h.stopped ?? null,
      history: h.epochs.map((e) => Object.fromEntries(COLUMNS.map((c) => [c, e[c]]))) };
  return JSON.stringify({ tool: 'wn-trainer (web)', options, models }, null, 2);
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
