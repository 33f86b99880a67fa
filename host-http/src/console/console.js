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

// The game data page: a chosen file is read into the content field as base64 (and the
// encoding set to base64), so a binary file goes through the same urlencoded form.
(function () {
  document.querySelectorAll('input[type=file][data-base64-into]').forEach(function (input) {
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var reader = new FileReader();
      reader.onload = function () {
        var url = String(reader.result);
        document.getElementById(input.dataset.base64Into).value = url.slice(url.indexOf(',') + 1);
        var enc = document.getElementById(input.dataset.encodingField);
        if (enc) enc.value = 'base64';
        var name = document.getElementById('file-name');
        if (name && !name.value) name.value = file.name;
        var type = document.getElementById('file-type');
        if (type && !type.value && file.type) type.value = file.type;
      };
      reader.readAsDataURL(file);
    });
  });
})();
