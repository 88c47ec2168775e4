// Cross-origin isolation where the host cannot send COOP/COEP: register sw.js,
// which adds the headers to every response, and reload once under its control
// (the technique of coi-serviceworker). `?sw=0` turns it off. If isolation still
// fails, the page runs the single-threaded build and says so (app.js).
(function () {
  const params = new URLSearchParams(location.search);
  if (globalThis.crossOriginIsolated || params.get('sw') === '0' || !('serviceWorker' in navigator)) return;
  if (!window.isSecureContext) return;  // service workers need https or localhost
  const tried = sessionStorage.getItem('wn-coi-reload');
  const scriptDir = document.currentScript.src.replace(/[^/]*$/, '');
  navigator.serviceWorker.register(scriptDir + 'sw.js').then((reg) => {
    const reloadOnce = () => {
      if (tried) return;  // already reloaded once and still not isolated: give up, fall back
      sessionStorage.setItem('wn-coi-reload', '1');
      location.reload();
    };
    if (navigator.serviceWorker.controller) reloadOnce();
    else navigator.serviceWorker.addEventListener('controllerchange', reloadOnce);
    if (reg.active && !navigator.serviceWorker.controller) reloadOnce();
  }, (err) => console.warn('service worker registration failed:', err));
})();
