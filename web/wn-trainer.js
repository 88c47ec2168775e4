// <wn-trainer>: the trainer as one custom element, for tutorial pages on any site.
//
//   <script type="module" src="https://HOST/wn-trainer.js"></script>
//   <wn-trainer experiment="sgd" seeds="3" autostart></wn-trainer>
//
// It frames HOST/embed.html (resolved from this module's own URL, so it works from any origin),
// passes its attributes on as the embed's URL parameters, re-dispatches the frame's messages as
// DOM events (wn-ready, wn-progress, wn-epoch, wn-experiment-done, wn-error …, the message in
// `detail`), keeps the frame as tall as its content, and offers the command channel as methods
// that return Promises. Changing an attribute later configures the frame (autostart counts
// only when it loads).
//
// Every command is settled: a frame that fails to load, refuses its parameters, or is lost
// (moving the element in the page reloads its frame, and what the frame was running with it)
// rejects the commands it had not answered, with a wn-error. A reloaded frame gets the settings
// in force (the attributes and what configure changed) in its URL, and does not autostart again.
import './protocol.js';

const { embed } = globalThis.WNProtocol;
const FRAME = new URL('embed.html', import.meta.url);
// The frame's URL carries the parameters; many servers refuse a request line longer than 8 KB
// (nginx's and Apache's default), which no valid set of parameters comes near.
const MAX_URL = 8000;
// embed.js says something (its height) as soon as its script runs, before the WebAssembly loads,
// so a frame that has loaded and stays silent this long is an error page (an HTTP error, a
// network failure), which would never answer.
const SILENCE_MS = 10000;

class WnTrainer extends HTMLElement {
  static get observedAttributes() { return [...embed.params]; }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).innerHTML =
      '<style>:host { display: block; } iframe { display: block; width: 100%; height: 420px; border: 0; }</style>';
    this.frame = null;     // the iframe, while the element is in a page
    this.values = null;    // the frame's URL parameters (name → text): the attributes, then what configure changed
    this.state = 'loading';  // loading → ready (takes commands), or failed (this.failure says why)
    this.failure = null;
    this.frameSpoke = false;    // the frame's page has posted a message since it was (re)loaded
    this.watchdog = null;
    this.nextId = 1;
    this.pending = new Map();  // command id → {resolve, reject}
    this.queue = [];           // commands waiting for the frame's ready
    this.onMessage = this.onMessage.bind(this);
  }

  connectedCallback() {
    addEventListener('message', this.onMessage);
    this.load();
  }

  disconnectedCallback() {
    removeEventListener('message', this.onMessage);
    // A frame taken out of the document is discarded, with whatever it was running (put back, it
    // would load its first URL afresh): a new one loads when the element is in a page again.
    clearTimeout(this.watchdog);
    this.frame?.remove();
    this.frame = null;
    if (this.state === 'ready') this.lost('the element was moved or taken out of the page');
  }

  // (Re)loads the frame with the parameters in its URL.
  load() {
    this.values ??= this.attributeValues();
    const url = new URL(FRAME);
    for (const [name, text] of Object.entries(this.values)) url.searchParams.set(name, text);
    clearTimeout(this.watchdog);
    this.frameSpoke = false;
    this.state = 'loading';
    if (url.href.length > MAX_URL) {
      // The server would refuse it: say so now, and show no frame rather than its error page.
      const [longest, text] = Object.entries(this.values).reduce((a, b) => (b[1].length > a[1].length ? b : a));
      this.frame?.remove();
      this.frame = null;
      return this.fail(`the parameters make the frame's URL ${url.href.length} characters long, more than servers take ` +
        `(${MAX_URL}): ${longest} alone has ${text.length}`, { report: true });
    }
    if (!this.frame) {
      this.frame = document.createElement('iframe');
      this.frame.title = 'Weight normalisation on CIFAR-10, trained in your browser';
      // Threads where the page is cross-origin isolated too; harmless where it is not.
      this.frame.allow = 'cross-origin-isolated';
      this.frame.addEventListener('load', () => this.loaded());
      this.frame.src = url.href;  // before it is in the document: no load of about:blank first
      this.shadowRoot.append(this.frame);
    } else {
      this.frame.src = url.href;
    }
  }

  // The attributes as URL parameters; autostart only until a frame has been ready.
  attributeValues() {
    const values = {};
    for (const name of embed.params) {
      if (name === 'autostart') { if (this.hasAttribute(name)) values[name] = '1'; }
      else if (this.hasAttribute(name)) values[name] = this.getAttribute(name);
    }
    return values;
  }

  // The frame's page has loaded. One that has not spoken yet gets a little while to.
  loaded() {
    if (this.frameSpoke || this.state !== 'loading') return;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.fail(`the trainer's frame did not load: ${FRAME.href} sent nothing within ` +
      `${SILENCE_MS / 1000} s of loading (an HTTP error or a network failure)`, { report: true }), SILENCE_MS);
  }

  attributeChangedCallback(name, old, value) {
    if (!this.values || old === value || name === 'autostart') return;  // not loaded yet: load() reads them
    // A frame that is up takes the change as a command (null: back to the default); one that
    // is not (still loading, refused its parameters, or failed to load) is loaded again with it.
    if (this.state === 'ready') {
      this.configure({ [name]: value }).catch(() => {});  // a refusal also arrives as wn-error
      return;
    }
    if (value === null) delete this.values[name];
    else this.values[name] = value;
    if (this.isConnected) this.load();
  }

  onMessage(e) {
    if (e.source !== this.frame?.contentWindow || e.origin !== FRAME.origin || e.data?.source !== embed.source) return;
    const m = e.data;
    this.frameSpoke = true;
    clearTimeout(this.watchdog);
    if (m.type === embed.events.resize) this.frame.style.height = `${m.height}px`;
    if (m.type === embed.events.ready) {
      // A ready frame that says so again has been reloaded (navigated) under the element.
      if (this.state === 'ready') this.lost('it loaded again');
      this.state = 'ready';
      delete this.values.autostart;  // this frame has had it: a reload must not start over on its own
      for (const c of this.queue.splice(0)) this.post(c);
    }
    const waiting = m.id != null && this.settle(m.id);
    if (waiting) m.ok ? waiting.resolve(m) : waiting.reject(new Error(m.message));
    else if (m.type === embed.events.error && this.state === 'loading') this.fail(m.message);  // it refused its parameters
    this.dispatchEvent(new CustomEvent(`wn-${m.type}`, { detail: m, bubbles: true, composed: true }));
  }

  // The frame will take no commands: those waiting or sent are refused with `message`, and so are
  // later ones until a changed attribute or a move loads it again. report: dispatch it as
  // wn-error (the frame's own refusal arrives as one already).
  fail(message, { report = false } = {}) {
    clearTimeout(this.watchdog);
    this.state = 'failed';
    this.failure = message;
    this.queue.length = 0;
    for (const [id, p] of this.pending) { this.pending.delete(id); p.reject(new Error(message)); }
    if (report) this.error(message);
  }

  // The ready frame's page is gone, and its state with it: the commands it had not answered are
  // refused; those not yet sent wait for the next page.
  lost(why) {
    const message = `the frame reloaded (${why}): the run and history it had were lost`;
    this.state = 'loading';
    const queued = new Set(this.queue.map((c) => c.id));
    for (const [id, p] of this.pending) if (!queued.has(id)) { this.pending.delete(id); p.reject(new Error(message)); }
    this.error(message);
  }

  error(message) {
    const detail = { source: embed.source, type: embed.events.error, message };
    this.dispatchEvent(new CustomEvent(`wn-${detail.type}`, { detail, bubbles: true, composed: true }));
  }

  settle(id) {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  post(command) { this.frame.contentWindow.postMessage(command, FRAME.origin); }

  // Sends a command; resolves with the frame's answer, rejects with its refusal.
  command(type, fields = {}) {
    if (this.state === 'failed') return Promise.reject(new Error(this.failure));
    const c = { target: embed.target, type, id: this.nextId++, ...fields };
    return new Promise((resolve, reject) => {
      this.pending.set(c.id, { resolve, reject });
      this.state === 'ready' ? this.post(c) : this.queue.push(c);
    });
  }

  start() { return this.command(embed.commands.start); }
  stop() { return this.command(embed.commands.stop); }
  pause() { return this.command(embed.commands.pause); }
  resume() { return this.command(embed.commands.resume); }
  // params: the URL parameters' names and values, e.g. {epochs: 3, models: ['weightnorm']}. What
  // the frame accepts is kept for its URL, as embed.js reads a value (a list joined by commas).
  configure(params) {
    return this.command(embed.commands.configure, { params }).then((answer) => {
      for (const [name, v] of Object.entries(params)) {
        if (v === null) delete this.values[name];
        else this.values[name] = Array.isArray(v) ? v.join(',') : String(v);
      }
      return answer;
    });
  }
  // The runs so far in the history file's schema (docs/history.md).
  history() { return this.command(embed.commands.getHistory).then((answer) => answer.history); }
}

if (!customElements.get('wn-trainer')) customElements.define('wn-trainer', WnTrainer);
