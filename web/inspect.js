// "Look inside": per model, what it gets right and wrong and what it has learnt — a confusion
// matrix, per-class accuracy, the first test images with each model's guess, the user's own
// image, conv1's filters — and its weights, out as .npz and back in. It redraws from each epoch
// event the runs keep (run.inspect: predictions, filters, params, and the run record with its
// confusion matrix), so it is live while training and final at the end. A loaded weight file is
// evaluated on the loaded test set by an evaluation job (the model alone, no optimiser) on a
// scheduler of its own, and from then on shows like a trained model. Never reaches into a worker.
import './protocol.js';
import { colorOf } from './charts.js';
import { settings, variantLabel } from './experiment.js';
import { download } from './format.js';
import { Scheduler } from './scheduler.js';
import { loadWeights, modelOf } from './weights.js';
import { FrameDraw } from './frames.js';

const { msg } = globalThis.WNProtocol;

const $ = (id) => document.getElementById(id);
const SIDE = 32;
// Column headings of the confusion matrix must be narrow; the rows keep the full names.
const SHORT = { airplane: 'plane', automobile: 'car' };
const percent = (v, digits = 0) => `${(100 * v).toFixed(digits)} %`;
const sum = (v) => v.reduce((a, b) => a + b, 0);

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

// RGB bytes (NHWC) onto a canvas of their size; CSS scales it up, pixelated. Panels redrawn every
// epoch pass the canvas they drew before: a fresh canvas per image per epoch left the renderer's
// memory climbing on long runs (docs/robustness.md, the memory soak).
function imageCanvas(rgb, width, height, label, canvas = el('canvas', { className: 'pixels' })) {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const img = new ImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    img.data.set(rgb.subarray(3 * p, 3 * p + 3), 4 * p);
    img.data[4 * p + 3] = 255;
  }
  canvas.getContext('2d').putImageData(img, 0, 0);
  return canvas;
}

// Filter o of a [kh, kw, 3, cout] kernel (Keras' layout) as RGB bytes, scaled to its own min–max.
function filterRgb({ shape: [kh, kw, cin, cout], values }, o) {
  const v = Array.from({ length: kh * kw * cin }, (_, i) => values[i * cout + o]);
  const lo = Math.min(...v), span = Math.max(...v) - lo || 1;
  return Uint8Array.from(v, (x) => Math.round((255 * (x - lo)) / span));
}

// A picture (an ImageBitmap, closed here) as the nets see it: its centred square, resized to
// 32×32, over white where it is transparent; RGB bytes.
function squareBytes(bitmap, canvas) {
  const side = Math.min(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, SIDE, SIDE);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, SIDE, SIDE);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, SIDE, SIDE).data;
  return Uint8Array.from({ length: SIDE * SIDE * 3 }, (_, i) => rgba[4 * Math.floor(i / 3) + (i % 3)]);
}

// A file picker (a visually hidden input with a label styled as a button, so it is reached
// with Tab and opened with Space or Enter) that also takes drops on `zone`.
function filePicker(input, zone, onFile) {
  input.addEventListener('change', () => { if (input.files[0]) onFile(input.files[0]); input.value = ''; });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer.files[0]) onFile(e.dataTransfer.files[0]);
  });
}

// The children of `box` for `keys`, in order, made by make(key). While the keys stay the same the
// children stay in place, so keyboard focus on them survives the redraws during training.
function keyed(box, keys, make) {
  const have = [...box.children];
  if (have.map((c) => c.dataset.key).join('\n') === keys.join('\n')) return have;
  const children = keys.map((key) => {
    const child = have.find((c) => c.dataset.key === key) ?? make(key);
    child.dataset.key = key;
    return child;
  });
  box.replaceChildren(...children);
  return children;
}

function showError(id, message) {
  $(id).hidden = !message;
  $(id).textContent = message ?? '';
}

export class Inspect {
  // data(): the page's loaded data ({train, test}) or null.
  // data(): the loaded data; net(): the architecture weight files are for ({arch, width}, the form's).
  constructor(catalog, data, net = () => ({})) {
    this.catalog = catalog;
    this.net = net;
    this.names = catalog.class_names;
    this.data = data;
    this.experiment = null;
    this.loaded = [];      // models from weight files, evaluated: kept across experiments
    this.own = null;       // the user's image: {name, bytes}
    this.ownPick = null;   // the latest image chosen, while it decodes: a token
    this.canvases = new Map();  // the canvases of the test images and the filter tiles, reused
    this.drawnImages = null;    // the test set they show
    this.ownTop = [];      // per shown model: its top 3 on the user's image
    this.frame = new FrameDraw(() => this.draw());
    for (const name of ['cm-mode', 'grid-filter']) document.querySelectorAll(`input[name=${name}]`).forEach((i) => i.addEventListener('change', () => this.draw()));
    filePicker($('own-file'), $('own-drop'), (f) => this.ownImage(f));
    // A pasted picture (Ctrl+V anywhere on the page, outside the form's text fields).
    document.addEventListener('paste', (e) => {
      const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file' && i.type.startsWith('image/'));
      if (item) { e.preventDefault(); this.ownImage(item.getAsFile()); }
    });
    filePicker($('weights-file'), $('weights-drop'), (f) => this.loadFile(f));
  }

  reset(experiment) {
    this.experiment = experiment;
    this.update();
  }

  update() { this.frame.request(); }

  // The models shown: the first run (first seed, first setting) of each variant that has
  // finished an epoch, then the loaded ones. {key, label, color, job, event, when}.
  sources() {
    const ex = this.experiment;
    const trained = (ex?.variants() ?? []).map((v, i) => {
      const run = ex.runs.find((r) => r.job.variant === v.variant);
      const epoch = run.inspect?.log.epoch;
      const when = ['running', 'waiting'].includes(run.status) ? `after epoch ${epoch} of ${ex.spec.epochs}` :
        run.status === 'done' ? `final, after ${epoch} epoch${epoch === 1 ? '' : 's'}` : `${run.status} after epoch ${epoch}`;
      return { key: v.variant, label: variantLabel(v.model, v.wnInit), color: colorOf(v.variant, i), job: run.job, event: run.inspect, when };
    });
    return [...trained, ...this.loaded].filter((s) => s.event);
  }

  draw() {
    const sources = this.sources();
    // Another seed's epoch, or a final event after the last epoch's, changes nothing shown here.
    const shows = [this.experiment, this.data()?.test, ...['cm-mode', 'grid-filter'].map((n) => document.querySelector(`input[name=${n}]:checked`).value),
      ...sources.flatMap((s) => [s.key, s.when, s.event])];
    if (this.shows?.length === shows.length && shows.every((x, i) => x === this.shows[i])) return;
    this.shows = shows;
    $('inspect-content').hidden = !sources.length;
    this.drawNote(sources);
    if (!sources.length) return;
    // A run opened from a history file has its confusion matrix (if it finished an epoch), but no
    // predictions, filters or weights: those show for runs trained here.
    const matrices = sources.filter((s) => s.event.run?.confusion_matrix);
    const trained = sources.filter((s) => s.event.params);
    this.drawConfusion(matrices);
    this.drawPerClass(matrices);
    this.drawGrid(trained);
    this.drawFilters(trained);
    this.drawDownloads(trained);
    this.predictOwn(trained);
  }

  drawNote(sources) {
    const ex = this.experiment;
    let text = sources.length ? '' : 'Start an experiment, or load a weight file, to look inside the models.';
    if (ex && (ex.spec.seeds.length > 1 || settings(ex.spec).length > 1)) {
      const job = ex.jobs[0];
      text = `Shown: the first seed (seed ${job.seed})${settings(ex.spec).length > 1 ? ` and the first setting (${job.setting})` : ''} of each model; ` +
        `the experiment has ${ex.spec.seeds.length} seed${ex.spec.seeds.length === 1 ? '' : 's'} and ${settings(ex.spec).length} setting(s).`;
    }
    $('inspect-note').textContent = text;
  }

  // One heat map per model: rows are the true classes, columns the predicted ones; counts or the
  // share of each true class.
  drawConfusion(sources) {
    const rows = document.querySelector('input[name=cm-mode]:checked').value === 'rows';
    // Each matrix scrolls sideways in its own box on a narrow screen; its title stays outside it.
    const boxes = keyed($('confusion'), sources.map((s) => s.key), (key) => {
      const id = `confusion-${key.replace(/\W/g, '-')}`;
      const wrap = el('div', { className: 'table-wrap', tabIndex: 0, role: 'group' });
      wrap.setAttribute('aria-labelledby', id);
      return el('div', { className: 'confusion-box' }, el('p', { className: 'confusion-title', id }), wrap);
    });
    sources.forEach((s, k) => {
      const m = s.event.run.confusion_matrix;
      const total = sum(m.flat()), correct = sum(m.map((r, i) => r[i])), max = Math.max(...m.flat()) || 1;
      const table = el('table', { className: 'confusion' });
      const [title, wrap] = boxes[k].children;
      title.replaceChildren(el('span', { className: 'swatch' }), `${s.label}, ${s.when}: validation accuracy `,
        el('span', { className: 'val-accuracy', textContent: s.event.log.val_accuracy.toFixed(4) }), ` (${correct} of ${total} right)`);
      title.firstChild.style.background = s.color;
      table.setAttribute('aria-labelledby', title.id);
      const head = el('tr', {}, el('th', { scope: 'col', textContent: 'true \\ predicted' }),
        ...this.names.map((n) => el('th', { scope: 'col', textContent: SHORT[n] ?? n, title: n })));
      const body = el('tbody', {}, ...m.map((row, i) => {
        const seen = sum(row) || 1;
        return el('tr', {}, el('th', { scope: 'row', textContent: this.names[i] }), ...row.map((v, j) => {
          const td = el('td', { textContent: rows ? Math.round((100 * v) / seen) : v, className: i === j ? 'diagonal' : '' });
          td.style.setProperty('--heat', ((rows ? v / seen : v / max) * 0.75).toFixed(3));
          return td;
        }));
      }));
      table.append(el('thead', {}, head), body);
      wrap.replaceChildren(table);
    });
  }

  drawPerClass(sources) {
    const table = $('per-class');
    const head = el('tr', {}, el('th', { scope: 'col', textContent: 'class' }), ...sources.map((s) => el('th', { scope: 'col', textContent: s.label })));
    const body = el('tbody', {}, ...this.names.map((n, c) => el('tr', {}, el('th', { scope: 'row', textContent: n }), ...sources.map((s) => {
      const v = s.event.run.per_class_accuracy[c];
      const bar = el('span', { className: 'bar', ariaHidden: 'true' });
      bar.style.width = percent(v);
      bar.style.background = s.color;
      return el('td', {}, el('span', { textContent: percent(v) }), bar);
    }))));
    table.replaceChildren(el('caption', { textContent: 'Accuracy per class on the test images' }), el('thead', {}, head), body);
  }

  // The first test images with each model's guess. Disagreements are marked in words too.
  drawGrid(sources) {
    if (!sources.length) {
      $('image-grid').replaceChildren();
      $('grid-count').textContent = 'The opened history has no predictions: they show for models trained here, or loaded from a weight file.';
      return;
    }
    const images = this.data()?.test.images;
    const filter = document.querySelector('input[name=grid-filter]:checked').value;
    const n = Math.min(...sources.map((s) => s.event.predictions.length));
    const cards = [];
    for (let i = 0; i < n && images; i++) {
      const label = sources[0].event.predictions[i].label;
      const guesses = sources.map((s) => {
        const probs = s.event.predictions[i].probs;
        const c = probs.indexOf(Math.max(...probs));
        return { s, c, p: probs[c], right: c === label };
      });
      const right = guesses.filter((g) => g.right).length;
      const disagree = new Set(guesses.map((g) => g.c)).size > 1;
      const li = el('li', { className: `card${disagree ? ' disagree' : ''}` });
      li.dataset.right = right;
      li.hidden = (filter === 'wrong' && right > 0) || (filter === 'one' && right !== 1);
      li.append(this.testImage(images, i, label),
        el('p', { className: 'truth' }, 'true: ', el('strong', { textContent: this.names[label] })),
        el('ul', { className: 'guesses' }, ...guesses.map((g) => {
          const item = el('li', { className: g.right ? 'right' : 'wrong' },
            el('span', { className: 'swatch', title: g.s.label }), `${this.names[g.c]} ${percent(g.p)} `, el('span', { textContent: g.right ? '✓' : '✗' }));
          item.querySelector('.swatch').style.background = g.s.color;
          item.setAttribute('aria-label', `${g.s.label}: ${this.names[g.c]}, ${percent(g.p)}, ${g.right ? 'right' : 'wrong'}`);
          return item;
        })));
      if (disagree) li.append(el('p', { className: 'flag', textContent: 'models disagree' }));
      cards.push(li);
    }
    $('image-grid').replaceChildren(...cards);
    const shown = cards.filter((c) => !c.hidden).length;
    $('grid-count').textContent = `${shown} of ${cards.length} test images shown; ` +
      `${cards.filter((c) => c.classList.contains('disagree')).length} where the models disagree.`;
    const both = sources.length === 2 ? 'both' : 'all';
    $('grid-wrong-label').textContent = sources.length === 1 ? 'wrong' : `${both} wrong`;
  }

  // Test image i, drawn once per loaded test set; the grid is rebuilt around it every epoch.
  testImage(images, i, label) {
    if (this.drawnImages !== images) {
      this.canvases.clear();
      this.drawnImages = images;
    }
    const key = `test ${i}`;
    if (!this.canvases.has(key))
      this.canvases.set(key, imageCanvas(images.subarray(i * SIDE * SIDE * 3, (i + 1) * SIDE * SIDE * 3), SIDE, SIDE, `test image ${i + 1}: ${this.names[label]}`));
    return this.canvases.get(key);
  }

  drawFilters(sources) {
    $('filters').replaceChildren(...sources.map((s) => {
      const f = s.event.filters;
      const tiles = Array.from({ length: f.shape[3] }, (_, o) => {
        const key = `filter ${s.key} ${o}`, canvas = imageCanvas(filterRgb(f, o), f.shape[1], f.shape[0],
          `filter ${o + 1} of ${f.layer}, ${s.label}`, this.canvases.get(key));
        this.canvases.set(key, canvas);
        return canvas;
      });
      return el('div', { className: 'filter-row' }, el('p', { textContent: `${s.label} (${f.layer})` }), el('div', { className: 'tiles' }, ...tiles));
    }));
  }

  // One button per trained model; a click writes the weights it has then.
  drawDownloads(sources) {
    const trained = sources.filter((s) => !s.file);
    keyed($('downloads'), trained.map((s) => s.key), (key) => {
      const button = el('button', { type: 'button', textContent: `Download ${trained.find((s) => s.key === key).label} weights (.npz)` });
      button.addEventListener('click', () => this.download(key).catch((e) => showError('weights-error', `Could not write the weights: ${e.message}`)));
      return button;
    });
  }

  async download(key) {
    const s = this.sources().find((x) => x.key === key);
    const model = await modelOf(s.job, s.event.params);
    try {
      download(`wn-${s.job.model}-seed${s.job.seed}.npz`, new Blob([model.npz()], { type: 'application/octet-stream' }));
    } finally {
      model.dispose();
    }
  }

  // ---- the user's own image
  // Only the latest image chosen is shown: an earlier one may take longer to decode (seconds for
  // 20000 × 20000 pixels) and would otherwise replace it when done.
  async ownImage(file) {
    const pick = (this.ownPick = {});
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (e) {
      if (pick === this.ownPick) showError('own-error', `${file.name || 'The pasted item'} is not an image this browser can read (${e.message}).`);
      return;
    }
    if (pick !== this.ownPick) return bitmap.close();
    this.own = { name: file.name || 'pasted image', bytes: squareBytes(bitmap, $('own-canvas')) };
    $('own-canvas').hidden = false;
    $('own-canvas').setAttribute('aria-label', `your image (${this.own.name}), centre-cropped to 32 × 32`);
    showError('own-error', null);
    this.predictOwn(this.sources());
  }

  // Each shown model's top 3 on the user's image, with its latest parameters.
  async predictOwn(sources) {
    if (!this.own) return;
    const own = this.own, token = (this.ownToken = {});
    const top = [];
    for (const s of sources) {
      const model = await modelOf(s.job, s.event.params);
      try {
        const probs = model.predict(own.bytes, 1)[0];
        top.push({ s, best: probs.map((p, c) => ({ c, p })).sort((a, b) => b.p - a.p).slice(0, 3) });
      } finally {
        model.dispose();
      }
    }
    if (token !== this.ownToken) return;  // a newer image or epoch has started its own predictions
    this.ownTop = top;
    $('own-predictions').replaceChildren(...top.map(({ s, best }) =>
      el('div', { className: 'own-model' }, el('p', { textContent: s.label }),
        el('ol', {}, ...best.map(({ c, p }) => el('li', {}, `${this.names[c]} `, el('span', { className: 'prob', textContent: percent(p, 1) })))))));
  }

  // ---- weight files: which model the file is for, then an evaluation on the loaded test set.
  async loadFile(file) {
    showError('weights-error', null);
    const data = this.data();
    if (!data) return showError('weights-error', `No test images are loaded yet: load the data, then ${file.name} again.`);
    $('weights-status').textContent = `Reading ${file.name}…`;
    try {
      const net = this.net();
      const { model, params } = await loadWeights(new Uint8Array(await file.arrayBuffer()), this.catalog, net);
      const d = this.catalog.defaults;
      const label = `${variantLabel(model, d.wn_init)} from ${file.name}`;
      $('weights-status').textContent = `Evaluating ${label} on ${data.test.count.toLocaleString('en')} test images…`;
      // The weight-norm init is none: nothing is drawn or initialised from data.
      const job = { ...net, id: this.loaded.length, evaluate: true, model, wnInit: model === 'regular' ? d.wn_init : 'none', seed: 0,
        params, variant: 'loaded', setting: '', label };
      const event = await this.evaluate(job, data);
      const source = { key: `loaded-${job.id}`, label, file: file.name, color: colorOf(`loaded ${job.id}`, job.id), job, event,
        when: `loaded, ${data.test.count.toLocaleString('en')} test images` };
      this.loaded.push(source);
      $('weights-status').textContent = `${label}: validation accuracy ${event.log.val_accuracy.toFixed(4)} on ${data.test.count.toLocaleString('en')} test images.`;
      this.draw();
    } catch (e) {
      $('weights-status').textContent = '';
      showError('weights-error', `Could not load ${file.name}: ${e.message}.`);
    }
  }

  // Resolves to the evaluation's epoch event. One thread: training may be running beside it.
  evaluate(job, data) {
    return new Promise((ok, fail) => {
      let result = null;
      new Scheduler({ data: { train: data.train, test: data.test }, threads: 1, onEvent: (_, e) => {
        if (e.type === msg.epoch) result = e;
        if (e.type === msg.error || e.type === msg.diverged) fail(new Error(e.message));
        if (e.type === msg.done) (result ? ok(result) : fail(new Error('the evaluation ended without a result')));
      } }).run([job]);
    });
  }
}
