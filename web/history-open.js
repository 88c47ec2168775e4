// The page's "open history files" control: `wn-train --json` files (a run, wn-merge's output, or
// shards to combine), the page's own export, and a `--diagnostics` file, dropped or chosen. They are
// read and checked off the page's thread (history.worker.js runs web/history-file.js), then shown
// through Session.open, as if their runs had trained here. A refused file changes nothing shown and
// says why; a banner says which file is shown, until Start trains or "Back to training" clears it.
const $ = (id) => document.getElementById(id);

// What the checks need from the catalog (the worker has no module of its own).
const namesOf = ({ models, wn_inits, optimizers, classes, limits }) => ({ models, wn_inits, optimizers, classes, limits });

// Resolves to openFiles' result, or rejects with its reason. One worker per opening, ended after.
export function readInWorker(files, names) {
  return new Promise((ok, fail) => {
    const worker = new Worker(new URL('./history.worker.js', import.meta.url), { type: 'module' });
    const end = (settle, value) => { worker.terminate(); settle(value); };
    worker.onmessage = ({ data }) => (data.error ? end(fail, new Error(data.error)) : end(ok, data.opened));
    worker.onerror = (e) => { e.preventDefault(); end(fail, new Error(e.message || 'the history reader failed')); };
    worker.postMessage({ files: [...files], names });
  });
}

export class HistoryOpener {
  // session: the page's Session. shown(experiment): the file's events have gone through, the page
  // brings its panels up to date. closed(): "Back to training" was pressed.
  constructor(session, catalog, { shown, closed }) {
    this.session = session;
    this.names = namesOf(catalog);
    this.shown = shown;
    this.token = null;  // the latest opening: an earlier one that ends later is dropped
    const input = $('history-file'), zone = $('history-drop');
    input.addEventListener('change', () => { this.open([...input.files]); input.value = ''; });
    zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); this.open([...e.dataTransfer.files]); });
    $('close-opened').addEventListener('click', () => {
      session.close();
      this.banner();
      closed();
    });
  }

  async open(files) {
    if (!files.length) return;
    const token = (this.token = {});
    const what = files.length === 1 ? files[0].name : `${files.length} files`;
    this.error(null);
    $('history-status').textContent = `Reading ${what}…`;
    try {
      if (this.session.phase !== 'idle') throw new Error('an experiment is running: stop it before opening a history file');
      const opened = await readInWorker(files, this.names);
      if (token !== this.token) return;
      this.shown(this.session.open(opened));
      this.banner();
    } catch (e) {
      if (token !== this.token) return;
      this.error(`Could not open ${what}: ${e.message}.${this.session.experiment ? ' What was shown stays.' : ''}`);
    } finally {
      if (token === this.token) $('history-status').textContent = '';
    }
  }

  // Which file is shown, and which runs it holds; hidden when the page shows its own runs.
  banner() {
    const o = this.session.opened;
    $('opened').hidden = !o;
    if (!o) return;
    const left = o.unmatched ? ` (${o.unmatched} diagnostics record${o.unmatched === 1 ? '' : 's'} match no run and are left out)` : '';
    $('opened-text').textContent = `Showing ${o.names.length > 1 ? `${o.names.length} history files combined, ` : 'the history file '}${o.label}` +
      `${o.diagnostics ? ', with its diagnostics' : ''}${left}. Nothing of it trained here: Start trains the form's experiment as usual.`;
  }

  error(message) {
    $('history-error').hidden = !message;
    $('history-error').textContent = message ?? '';
  }
}
