/* The phone's outbox and drafts, kept in IndexedDB (idb-keyval). Used by the pages (field.js) and
 * by the service worker (sw.js), which share one store.
 *
 * Keys: "draft:<user>:<form path>" -> {path, fields, saved, errors?, refused?, title?}
 *       "outbox:<user>:<id>"        -> {id, user, url, path, fields, token, title, created, status,
 *                                        attempts, message?, result_url?}
 * status: pending -> sending -> saved | conflict (a refused item goes back to being a draft, with
 * the server's errors). Sending again is safe: each form carries its client token, and the server
 * applies a token once. */
(function (root) {
  "use strict";
  var kv = root.idbKeyval;
  var store = kv.createStore("monusco-field", "kv");
  var STALE_SENDING_MS = 60000;
  var KEEP_SAVED_MS = 3 * 24 * 3600 * 1000;
  var running = null;

  function get(key) { return kv.get(key, store); }
  function set(key, value) { return kv.set(key, value, store); }
  function del(key) { return kv.del(key, store); }
  function draftKey(user, path) { return "draft:" + user + ":" + path; }
  function outboxKey(user, id) { return "outbox:" + user + ":" + id; }

  function list(kind, user) {
    var prefix = kind + ":" + user + ":";
    return kv.entries(store).then(function (all) {
      return all.filter(function (e) { return String(e[0]).indexOf(prefix) === 0; })
        .map(function (e) { return e[1]; });
    });
  }

  function uuid() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var b = root.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function value(fields, name) {
    for (var i = 0; i < fields.length; i++) if (fields[i][0] === name) return fields[i][1];
    return "";
  }

  function tokenOf(fields) { return value(fields, "client_token") || value(fields, "client_uuid"); }

  function notify() {
    try { new root.BroadcastChannel("monusco-field").postMessage("changed"); } catch (e) { /* none */ }
  }

  /* A form the network did not take: kept until the server answers. */
  function queue(user, url, fields) {
    var item = {
      id: uuid(), user: String(user), url: url, path: new URL(url).pathname, fields: fields,
      token: tokenOf(fields), title: value(fields, "field_title"), created: Date.now(),
      status: "pending", attempts: 0
    };
    return set(outboxKey(item.user, item.id), item).then(function () { notify(); return item; });
  }

  function session() {
    return root.fetch("/field/session?auto=1", {credentials: "same-origin", redirect: "manual",
      headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; }, function () { return null; });
  }

  /* One POST of an item, as the form would have sent it, with the session's current CSRF token. */
  function post(item, csrf) {
    var body = new root.URLSearchParams();
    item.fields.forEach(function (f) { if (f[0] !== "csrfmiddlewaretoken") body.append(f[0], f[1]); });
    body.append("csrfmiddlewaretoken", csrf);
    return root.fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: {"X-Field-Sync": "1", "X-CSRFToken": csrf, Accept: "application/json"}
    }).then(function (r) {
      if (r.type === "opaqueredirect" || r.status === 401) return {status: "signin"};
      if ((r.headers.get("Content-Type") || "").indexOf("application/json") < 0) return {status: "retry"};
      return r.json();
    }, function () { return {status: "retry"}; });
  }

  var STOP = {};

  function sendOne(item, csrf) {
    var key = outboxKey(item.user, item.id);
    item.status = "sending"; item.sending_at = Date.now(); item.attempts += 1;
    return set(key, item).then(function () { return post(item, csrf); }).then(function (answer) {
      if (answer.status === "saved") {
        item.status = "saved"; item.result_url = answer.url; item.message = answer.message; item.done = Date.now();
        return set(key, item).then(function () { return del(draftKey(item.user, item.path)); });
      }
      if (answer.status === "refused") {
        var draft = {path: item.path, fields: item.fields, errors: answer.errors || {}, refused: true,
          saved: Date.now(), title: item.title};
        return set(draftKey(item.user, item.path), draft).then(function () { return del(key); });
      }
      if (answer.status === "conflict") {
        item.status = "conflict"; item.message = answer.message; item.result_url = answer.url;
        return set(key, item);
      }
      item.status = "pending"; item.problem = answer.status;
      return set(key, item).then(function () { throw STOP; });
    });
  }

  function due(item) {
    return item.status === "pending" || (item.status === "sending" && Date.now() - item.sending_at > STALE_SENDING_MS);
  }

  /* Send every waiting item of the signed-in user, oldest first; stop at the first that the
   * network or the session does not take. Resolves to the session, or null when signed out. */
  function flush() {
    if (running) return running;
    running = kv.entries(store).then(function (all) {
      var waiting = all.filter(function (e) { return String(e[0]).indexOf("outbox:") === 0 && due(e[1]); });
      if (!waiting.length) return null;  // nothing to send: no request at all
      return session().then(function (s) {
        if (!s) return null;
        var items = waiting.map(function (e) { return e[1]; }).filter(function (item) { return item.user === s.user; });
        items.sort(function (a, b) { return a.created - b.created; });
        return items.reduce(function (chain, item) {
          return chain.then(function () { return sendOne(item, s.csrf); });
        }, Promise.resolve()).catch(function (e) { if (e !== STOP) throw e; }).then(function () { notify(); return s; });
      });
    }).then(function (s) { running = null; return s; }, function (e) { running = null; throw e; });
    return running;
  }

  /* What the phone holds for ``user``: outbox items (saved ones for a few days) and drafts. */
  function holdings(user) {
    return Promise.all([list("outbox", user), list("draft", user)]).then(function (both) {
      var now = Date.now(), items = [];
      return Promise.all(both[0].map(function (item) {
        if (item.status === "saved" && now - item.done > KEEP_SAVED_MS) return del(outboxKey(user, item.id));
        items.push(item);
        return null;
      })).then(function () {
        items.sort(function (a, b) { return a.created - b.created; });
        return {outbox: items, drafts: both[1]};
      });
    });
  }

  root.FieldOutbox = {
    store: store, get: get, set: set, del: del, list: list, draftKey: draftKey, outboxKey: outboxKey,
    queue: queue, flush: flush, holdings: holdings, uuid: uuid, value: value, tokenOf: tokenOf,
    notify: notify, session: session, post: post,
    clear: function () { return kv.clear(store); }
  };
})(self);
