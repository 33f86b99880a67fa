// guildhall operator console: refreshes the dashboard's figures every 5 s from
// /console/status.json (same origin, the session cookie goes along).
(function () {
  var root = document.querySelector('[data-refresh]');
  if (!root) return;
  function text(el, value) { if (el) el.textContent = String(value); }
  function refresh() {
    fetch('/console/status.json', { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { if (r.redirected || !r.ok) { throw new Error('session ended'); } return r.json(); })
      .then(function (s) {
        text(document.getElementById('online-count'), s.online);
        Object.keys(s.tickets_waiting).forEach(function (q) {
          text(document.querySelector('[data-queue="' + CSS.escape(q) + '"]'), s.tickets_waiting[q]);
        });
        text(document.getElementById('refreshed-at'), new Date(s.at).toLocaleTimeString());
      })
      .catch(function () { text(document.getElementById('refreshed-at'), 'not refreshed (signed out?)'); });
  }
  setInterval(refresh, 5000);
})();
