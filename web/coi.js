// Cross-origin isolation where the host cannot send COOP/COEP: register sw.js,
// which adds the headers to every response, and reload once under its control
// (the technique of coi-serviceworker). If isolation still fails, the page runs the
// single-threaded build and says so (app.js).
// `?sw=0` turns it off, and removes the service worker an earlier visit installed:
// a page it controls is reloaded once, without it.
// In a frame it does nothing: a frame is isolated only when its parent is and allows it
// (iframe allow="cross-origin-isolated"), which no service worker of ours can change, and
// a reload there would restart an embed that already began training. A third-party frame
// may also have no storage at all: reading sessionStorage throws there.
(function () {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;  // service workers need https or localhost
  const worker = document.currentScript.src.replace(/[^/]*$/, '') + 'sw.js';
  if (new URLSearchParams(location.search).get('sw') === '0') return unregister(worker);
  if (globalThis.crossOriginIsolated || window.top !== window) return;
  let storage;
  try {
    storage = sessionStorage;
  } catch {
    return;  // storage blocked: no way to remember the one reload, so none at all
  }
  const tried = storage.getItem('wn-coi-reload');
  navigator.serviceWorker.register(worker).then((reg) => {
    const reloadOnce = () => {
      if (tried) return;  // already reloaded once and still not isolated: give up, fall back
      storage.setItem('wn-coi-reload', '1');
      location.reload();
    };
    if (navigator.serviceWorker.controller) reloadOnce();
    else navigator.serviceWorker.addEventListener('controllerchange', reloadOnce);
    if (reg.active && !navigator.serviceWorker.controller) reloadOnce();
  }, (err) => console.warn('service worker registration failed:', err));

  function unregister(url) {
    const controlled = navigator.serviceWorker.controller?.scriptURL === url;
    navigator.serviceWorker.getRegistrations()
      .then((regs) => Promise.all(regs.filter((r) => (r.active || r.waiting || r.installing)?.scriptURL === url)
        .map((r) => r.unregister())))
      // Unregistered at once, so the reload is not controlled, and it finds nothing to remove: no loop.
      .then((done) => { if (controlled && done.some(Boolean)) location.reload(); })
      .catch((err) => console.warn('service worker removal failed:', err));
  }
})();
