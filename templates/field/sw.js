/* MONUSCO field mode: the service worker (served by monusco.field_views.service_worker).
 * - Static files: from the cache first (their names carry a hash).
 * - Pages: from the network; a page the server marks X-Field-Offline: 1 is kept for use offline,
 *   and nothing else is ever kept. Offline, the kept copy, or the offline page.
 * - A form posted while the network is down goes to the outbox (outbox.js) and the CLA lands on
 *   the page that lists it; it is sent when the network returns (Background Sync where the
 *   browser has it, else when a page opens). */
importScripts({{ idb_url|safe }}, {{ outbox_url|safe }});
var STATIC_CACHE = "monusco-static-{{ version }}";
var PAGES = "monusco-pages";
var ASSETS = {{ assets|safe }};
var OFFLINE = {{ offline_url|safe }};
var STATIC = {{ static_url|safe }};

self.addEventListener("install", function (event) {
  self.skipWaiting();
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) {
    return Promise.all(ASSETS.map(function (url) { return cache.add(url).catch(function () { return null; }); }));
  }).then(function () { return keep([OFFLINE]); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("monusco-static-") === 0 && k !== STATIC_CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function offlineMarked(response) {
  return response.ok && !response.redirected && response.headers.get("X-Field-Offline") === "1";
}

/* Fetch pages and keep those marked for offline use. */
function keep(urls) {
  return caches.open(PAGES).then(function (cache) {
    return Promise.all(urls.filter(function (url) {
      return new URL(url, self.location.origin).origin === self.location.origin;
    }).map(function (url) {
      var automatic = url + (url.indexOf("?") < 0 ? "?" : "&") + "auto=1";  // not a person: idle clocks run on
      return fetch(automatic, {credentials: "same-origin"}).then(function (response) {
        return offlineMarked(response) ? cache.put(url, response) : cache.delete(url);
      }).catch(function () { return null; });
    }));
  });
}

function page(request) {
  return fetch(request).then(function (response) {
    var copy = response.clone();
    caches.open(PAGES).then(function (cache) {
      if (offlineMarked(copy)) return cache.put(request.url, copy);
      // A page that may no longer be kept (a plan now under review, say) is dropped; a page that
      // only redirected (to sign in) leaves the kept copy alone.
      if (copy.ok && !copy.redirected) return cache.delete(request.url, {ignoreSearch: true});
      return null;
    });
    return response;
  }, function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request.url, {ignoreSearch: true}).then(function (hit) {
        return hit || cache.match(OFFLINE);
      });
    }).then(function (hit) {
      return hit || new Response("Offline", {status: 503, headers: {"Content-Type": "text/plain"}});
    });
  });
}

function postForm(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.formData().then(function (data) {
      var user = data.get("field_user");
      if (!user) return page(new Request(OFFLINE));
      var fields = [];
      data.forEach(function (v, k) { if (typeof v === "string") fields.push([k, v]); });
      return FieldOutbox.queue(user, copy.url, fields).then(function (item) {
        if (self.registration.sync) self.registration.sync.register("field-outbox").catch(function () { return null; });
        var home = data.get("field_home") || OFFLINE;
        return Response.redirect(new URL(home, self.location.origin).href + "?queued=" + item.id, 303);
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST") {
    if (request.mode === "navigate") event.respondWith(postForm(request));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.indexOf(STATIC) === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(STATIC_CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  if (request.mode === "navigate") event.respondWith(page(request));
});

self.addEventListener("sync", function (event) {
  if (event.tag === "field-outbox") event.waitUntil(FieldOutbox.flush());
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep" && Array.isArray(data.urls)) event.waitUntil(keep(data.urls));
  if (data.type === "flush") event.waitUntil(FieldOutbox.flush());
});
