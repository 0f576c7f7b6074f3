/* Baqylau service worker (scope /observe/): the observer's pages open
   without a network. Static files have content-hashed URLs and come from
   the cache first; pages come from the network first, from the cache when
   there is none. */
var CACHE = 'baqylau-1';
self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (e) { e.waitUntil(self.clients.claim()); });

function path(u) { return new URL(u).pathname; }

function keep(req, res) {
  if (!res.ok || res.redirected || res.type !== 'basic') return res;
  var copy = res.clone(), p = path(req.url), name = p.split('/').pop();
  caches.open(CACHE).then(function (c) {
    if (p.indexOf('/static/') === 0) {
      c.keys().then(function (ks) {
        ks.forEach(function (k) { // an older version of the same file
          var q = path(k.url);
          if (q !== p && q.indexOf('/static/') === 0 && q.split('/').pop() === name) c.delete(k);
        });
      });
    }
    return c.put(req, copy);
  });
  return res;
}

self.addEventListener('fetch', function (e) {
  var r = e.request, u = new URL(r.url);
  if (r.method !== 'GET' || u.origin !== location.origin) return;
  if (u.pathname.indexOf('/static/') === 0) {
    e.respondWith(caches.match(r).then(function (m) {
      return m || fetch(r).then(function (res) { return keep(r, res); });
    }));
  } else if (u.pathname.indexOf('/observe/') === 0 && u.pathname !== '/observe/sw.js') {
    e.respondWith(fetch(r).then(function (res) { return keep(r, res); }, function () {
      return caches.match(r).then(function (m) {
        return m || new Response('offline', { status: 503, headers: { 'Content-Type': 'text/plain' } });
      });
    }));
  }
});
