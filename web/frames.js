// One way to redraw: at the next animation frame, and at most once per `everyMs`. A hidden tab gets no
// frames, so nothing is drawn there; the events keep arriving and one draw catches up when it is shown.
// Many requests before a draw make one draw, which is what keeps a live chart's cost flat.
export class FrameDraw {
  constructor(draw, everyMs = 0) {
    this.draw = draw;
    this.everyMs = everyMs;
    this.pending = false;
    this.drawnAt = -Infinity;
  }

  request() {
    if (this.pending) return;
    this.pending = true;
    const wait = Math.max(0, this.drawnAt + this.everyMs - performance.now());
    setTimeout(() => requestAnimationFrame(() => {
      this.pending = false;
      this.drawnAt = performance.now();
      this.draw();
    }), wait);
  }
}

// Whether what `element` shows would change, given a key for its content. A redraw rebuilds an
// element only then: a panel rebuilt at every event, unchanged, left the collector thousands of
// nodes a second and the renderer's memory climbing (docs/robustness.md, the memory soak).
const shown = new WeakMap();
export function changed(element, key) {
  if (shown.get(element) === key) return false;
  shown.set(element, key);
  return true;
}

// textContent, set only when it differs.
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}
