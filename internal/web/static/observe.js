/* Baqylau observer pages: an outbox on the device. A form's answers are
   kept in IndexedDB with the client id made when the form was opened and
   sent to the JSON API when the network allows; the server takes a client
   id once, so a retry never makes a duplicate. Without this script the
   forms post as plain HTML. */
(function () {
  'use strict';
  var d = document, nav = navigator, root = d.getElementById('obs');
  if (!root || !window.fetch || !window.indexedDB || !window.Promise || !window.crypto) return;
  var ds = root.dataset, CACHE = 'baqylau-1', busy = false, status = d.getElementById('outbox-status');

  if (nav.serviceWorker && ds.sw) nav.serviceWorker.register(ds.sw, { scope: '/observe/' }).catch(function () {});

  // A client id is a UUIDv7 (RFC 9562): the time in milliseconds, then
  // random bits, so that ids rise with time as the server's index likes.
  function uuid() {
    var b = crypto.getRandomValues(new Uint8Array(16)), t = Date.now(), h, i;
    for (i = 5; i >= 0; i--) { b[i] = t % 256; t = Math.floor(t / 256); }
    b[6] = b[6] & 15 | 112; b[8] = b[8] & 63 | 128;
    h = [].map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // The outbox: one IndexedDB store of items keyed by client id.
  function tx(mode, f) {
    return new Promise(function (ok, no) {
      var o = indexedDB.open('baqylau', 1);
      o.onupgradeneeded = function () { o.result.createObjectStore('outbox', { keyPath: 'id' }); };
      o.onerror = function () { no(o.error); };
      o.onsuccess = function () {
        var t = o.result.transaction('outbox', mode), q = f(t.objectStore('outbox'));
        t.oncomplete = function () { ok(q && q.result); };
        t.onerror = t.onabort = function () { no(t.error); };
      };
    });
  }
  function all() { return tx('readonly', function (s) { return s.getAll(); }); }
  function get(id) { return tx('readonly', function (s) { return s.get(id); }); }
  function put(it) { return tx('readwrite', function (s) { s.put(it); }); }
  function del(id) { return tx('readwrite', function (s) { s.delete(id); }); }

  // Keep this page, its files and the pages it links to for offline use.
  if (window.caches) {
    var urls = [location.pathname + location.search];
    d.querySelectorAll('link[rel=stylesheet],script[src],a[data-pre]').forEach(function (e) {
      urls.push(e.getAttribute('href') || e.getAttribute('src'));
    });
    caches.open(CACHE).then(function (c) {
      urls.forEach(function (u) {
        c.match(u).then(function (m) {
          return m || fetch(u, { credentials: 'same-origin' }).then(function (r) {
            if (r.ok && !r.redirected) return c.put(u, r);
          });
        }).catch(function () {});
      });
    }).catch(function () {});
  }

  function say(s) { if (status) { status.textContent = s; show(); } }
  function remember(s) { try { sessionStorage.setItem('obs-msg', s); } catch (e) { /* private mode */ } }

  function post(url, body, json) {
    var h = { Accept: 'application/json' };
    if (json) h['Content-Type'] = 'application/json';
    return fetch(url, { method: 'POST', credentials: 'same-origin', headers: h, body: body }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { j.status = r.status; return j; });
    });
  }

  // send posts one item (and its photo); it resolves to false when the
  // network or the sign-in is missing and the rest must wait.
  function send(it, done) {
    return post(it.url, JSON.stringify(it.body), true).then(function (j) {
      if ((j.status !== 200 && j.status !== 201) || !it.photo) return j;
      var fd = new FormData();
      fd.append('photo', it.photo, 'photo');
      return post('/observe/incidents/' + j.id + '/evidence', fd).then(function (e) { e.receipt = j.receipt; return e; });
    }).then(function (j) {
      if (j.status === 200 || j.status === 201) {
        done.push(it.title + ': ' + ds.sent.replace('{r}', String(j.receipt).slice(0, 8)));
        return del(it.id).then(function () { return true; });
      }
      if (j.status === 401) { say(ds.signin); return false; }
      if (j.status >= 400 && j.status < 500) {
        it.state = 'error';
        it.msg = (j.error && j.error.message) || String(j.status);
        return put(it).then(function () { return true; });
      }
      return false;
    }, function () { return false; });
  }

  function flush() {
    if (busy || nav.onLine === false) return;
    busy = true;
    var done = [];
    all().then(function (items) {
      items.sort(function (a, b) { return a.at - b.at; });
      return items.reduce(function (p, it) {
        return p.then(function (go) { return go && it.state !== 'error' ? send(it, done) : go; });
      }, Promise.resolve(true));
    }).catch(function () {}).then(function () {
      busy = false;
      if (done.length && status) { remember(done.join(' · ')); location.reload(); } else show();
    });
  }

  function show() {
    var box = d.getElementById('outbox');
    if (!box) return;
    all().then(function (items) {
      var ul = box.querySelector('ul');
      ul.textContent = '';
      box.hidden = !items.length && !status.textContent;
      items.forEach(function (it) {
        var li = d.createElement('li'), b = d.createElement('strong'), s = d.createElement('span');
        b.textContent = it.title;
        li.appendChild(b);
        li.appendChild(d.createTextNode(' — '));
        s.textContent = it.state === 'error' ? ds.failed + ' ' + it.msg : ds.queued;
        if (it.state === 'error') s.className = 'err';
        li.appendChild(s);
        if (it.state === 'error') {
          var a = d.createElement('a'), x = d.createElement('button');
          a.href = it.fix + '#fix=' + encodeURIComponent(it.id);
          a.textContent = ds.fix;
          a.className = 'button';
          x.type = 'button';
          x.textContent = ds.remove;
          x.onclick = function () { del(it.id).then(show); };
          li.appendChild(d.createElement('br'));
          li.appendChild(a);
          li.appendChild(d.createTextNode(' '));
          li.appendChild(x);
        }
        ul.appendChild(li);
      });
    }).catch(function () {});
  }

  // build turns a form into the JSON the API takes, as an outbox item.
  function build(f) {
    var fs = f.dataset, ans = {}, fields = {}, photo = null, at = new Date(), el = f.elements, body, t;
    [].forEach.call(el, function (e) {
      var q = e.dataset.q, k = e.dataset.k, v;
      if (e.type === 'file') { if (e.files && e.files[0]) photo = e.files[0]; return; }
      if (!e.name || (e.type === 'radio' && !e.checked)) return;
      fields[e.name] = e.value;
      v = e.value.trim();
      if (!q || v === '') return;
      if (k === 'yesno') v = v === 'yes';
      else if (k === 'number' || k === 'votes') v = parseInt(v.replace(/\s/g, ''), 10);
      if (k === 'votes') (ans[q] = ans[q] || {})[e.dataset.o] = v; else ans[q] = v;
    });
    body = { client_id: el.client_id.value, station: fs.station };
    if (el.observer && el.observer.value.trim()) body.observer = el.observer.value.trim();
    if (fs.form === 'incident') {
      t = /^(\d\d):(\d\d)/.exec(ans.observed_time || '');
      if (t) {
        at.setHours(+t[1], +t[2], 0, 0);
        if (at - Date.now() > 6e5) at.setDate(at.getDate() - 1);
      }
      body.category = ans.category;
      body.severity = ans.severity || '';
      body.description = ans.description || '';
    } else {
      body.form = fs.form;
      body.answers = ans;
    }
    body.observed_at = at.toISOString();
    return { id: body.client_id, url: fs.api, body: body, photo: photo, title: fs.title,
      fix: location.pathname + location.search, fields: fields, state: 'queued', at: Date.now() };
  }

  var f = d.querySelector('form[data-api]');
  if (f) {
    var cid = f.elements.client_id, m = /^#fix=(.+)$/.exec(location.hash);
    cid.value = uuid();
    if (m) {
      get(decodeURIComponent(m[1])).then(function (it) {
        if (!it) return;
        Object.keys(it.fields).forEach(function (n) { if (f.elements[n] && n !== 'photo') f.elements[n].value = it.fields[n]; });
        cid.value = it.id;
      }).catch(function () {});
    }
    f.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var it = build(f), back = function () { cid.value = uuid(); location.href = f.dataset.back; };
      busy = true;
      put(it).then(function () {
        if (nav.onLine === false) return back();
        var done = [];
        send(it, done).then(function () {
          if (done.length) remember(done[0]);
          back();
        });
      }, function () { busy = false; f.submit(); });
    });
  }

  try {
    var msg = sessionStorage.getItem('obs-msg');
    if (msg) { sessionStorage.removeItem('obs-msg'); say(msg); }
  } catch (e) { /* private mode */ }
  if (nav.onLine === false && ds.offline) say(ds.offline);
  show();
  flush();
  addEventListener('online', flush);
  setInterval(flush, 30000);
}());
