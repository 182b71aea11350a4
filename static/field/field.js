/* Field mode on the page: drafts kept as the CLA types, the outbox listed and sent, the service
 * worker registered. Everything here only enhances pages that work without it. */
(function () {
  "use strict";
  var body = document.body;
  var user = body.getAttribute("data-field-user");
  var O = window.FieldOutbox;
  if (!user || !O) return;
  var stringsEl = document.getElementById("field-strings");
  var S = stringsEl ? stringsEl.dataset : {};
  var lang = document.documentElement.lang || "fr";
  var SKIP = {csrfmiddlewaretoken: 1, field_user: 1, field_home: 1, field_title: 1};
  var KEEP_EVERY_MS = 6 * 3600 * 1000;
  var closing = false;  // set when signing out

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  function fmt(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : values[k]; });
  }
  function clock(ms) {
    var d = new Date(ms);
    return d.toLocaleDateString(lang, {day: "2-digit", month: "2-digit"}) + " " +
      d.toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit"});
  }

  /* --- Drafts ------------------------------------------------------------------------------- */
  /* Fields never kept in a draft (a caller's phone number): the form names them. */
  function privateNames(form) {
    return (form.getAttribute("data-field-private") || "").split(/\s+/).filter(Boolean);
  }

  function serialize(form) {
    var out = [], hide = privateNames(form);
    Array.prototype.forEach.call(form.elements, function (e) {
      if (!e.name || SKIP[e.name] || e.disabled || hide.indexOf(e.name) >= 0) return;
      if (/^(submit|button|reset|file)$/.test(e.type)) return;
      if ((e.type === "checkbox" || e.type === "radio") && !e.checked) return;
      if (e.tagName === "SELECT" && e.multiple) {
        Array.prototype.forEach.call(e.options, function (o) { if (o.selected) out.push([e.name, o.value]); });
        return;
      }
      out.push([e.name, e.value]);
    });
    return out;
  }

  function restore(form, fields) {
    var values = {};
    fields.forEach(function (f) { (values[f[0]] = values[f[0]] || []).push(f[1]); });
    if (window.FieldRows) {
      Object.keys(values).filter(function (n) { return /-TOTAL_FORMS$/.test(n); })
        .sort(function (a, b) { return a.length - b.length; })
        .forEach(function (n) {
          window.FieldRows.ensure(form, n.slice(0, -"-TOTAL_FORMS".length), parseInt(values[n][0], 10) || 0);
        });
    }
    Array.prototype.forEach.call(form.elements, function (e) {
      if (!e.name || SKIP[e.name] || /^(submit|button|reset|file)$/.test(e.type)) return;
      var v = values[e.name];
      if (e.type === "checkbox" || e.type === "radio") e.checked = !!v && v.indexOf(e.value) >= 0;
      else if (e.tagName === "SELECT" && e.multiple) {
        Array.prototype.forEach.call(e.options, function (o) { o.selected = !!v && v.indexOf(o.value) >= 0; });
      } else if (v) e.value = v[0];
      else return;
      e.dispatchEvent(new Event("input", {bubbles: true}));
    });
  }

  function title(form) {
    var parts = [form.getAttribute("data-field-title") || ""];
    ["locality", "held_on", "period_start"].forEach(function (name) {
      var e = form.elements[name];
      if (!e || !e.value) return;
      parts.push(e.tagName === "SELECT" ? e.options[e.selectedIndex].text : e.value);
    });
    return parts.filter(Boolean).join(" · ");
  }

  function hidden(form, name, value) {
    var input = form.elements[name] || form.appendChild(el("input", {type: "hidden", name: name}));
    input.value = value;
    return input;
  }

  function fieldLabel(form, name) {
    var e = form.elements[name];
    var node = e && (e.id ? form.querySelector('label[for="' + e.id + '"]') : null);
    return node ? node.textContent.trim() : "";
  }

  function showErrors(form, errors) {
    var old = form.querySelector("[data-field-errors]");
    if (old) old.remove();
    var box = el("div", {"class": "errors", role: "alert", tabindex: "-1", "data-field-errors": ""});
    box.appendChild(el("p", {}, S.errors));
    var ul = box.appendChild(el("ul"));
    Object.keys(errors).forEach(function (name) {
      var target = name === "__all__" ? null : form.elements[name];
      if (target && target.length && !target.tagName) target = target[0];
      errors[name].forEach(function (message) {
        var li = ul.appendChild(el("li"));
        if (target && target.id) {
          var label = fieldLabel(form, name);
          li.appendChild(el("a", {href: "#" + target.id}, (label ? label + " : " : "") + message));
        } else li.textContent = message;
      });
      if (target) {
        var fold = target.closest("details");
        if (fold) fold.open = true;
        var wrap = target.closest(".f") || target.parentNode;
        var list = wrap.appendChild(el("ul", {"class": "errorlist", "data-field-errors-for": name}));
        errors[name].forEach(function (m) { list.appendChild(el("li", {}, m)); });
      }
    });
    form.insertBefore(box, form.firstChild);
    box.focus();
  }

  function setupForm(form) {
    var path = window.location.pathname;
    var key = O.draftKey(user, path);
    var timer = null, restoring = false, errors = null;
    hidden(form, "field_user", user);
    hidden(form, "field_home", body.getAttribute("data-field-home") || "");
    var titleInput = hidden(form, "field_title", "");
    var note = el("p", {"class": "draft-note", role: "status", hidden: ""});
    var noteText = note.appendChild(el("span"));
    var discard = note.appendChild(el("button", {type: "button", "class": "link"}, S.discard));
    form.parentNode.insertBefore(note, form);

    function shown(at) { noteText.textContent = fmt(S.kept, {time: clock(at)}) + " "; note.hidden = false; }
    function save() {
      timer = null;
      if (closing) return Promise.resolve();  // signing out: nothing more is kept on this phone
      var draft = {path: path, fields: serialize(form), saved: Date.now(), title: title(form)};
      if (errors) { draft.errors = errors; draft.refused = true; }
      return O.set(key, draft).then(function () { shown(draft.saved); });
    }
    function later() {
      if (restoring) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 300);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("field:rows-changed", later);
    form.addEventListener("submit", function () {
      titleInput.value = title(form);
      if (timer) { window.clearTimeout(timer); save(); }
    });
    discard.addEventListener("click", function () {
      // Reset first: the browser would otherwise put the typed values back on the reload.
      O.del(key).then(function () { form.reset(); window.location.replace(path); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-field-discard]"), function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        O.del(key).then(function () { window.location.href = link.href; });
      });
    });

    return Promise.all([O.get(key), O.list("outbox", user)]).then(function (found) {
      var draft = found[0];
      var queuedLater = draft && found[1].some(function (item) {
        return item.path === path && item.created >= draft.saved;
      });
      if (queuedLater) { O.del(key); draft = null; }
      if (form.hasAttribute("data-field-bound")) return save();  // the server's answer stands
      if (draft) {
        restoring = true;
        restore(form, draft.fields);
        restoring = false;
        shown(draft.saved);
        if (draft.errors) { errors = draft.errors; showErrors(form, draft.errors); }
      } else if (form.hasAttribute("data-field-new")) {
        var token = form.elements.client_token || form.elements.client_uuid;
        if (token) token.value = O.uuid();
      }
      return null;
    });
  }

  /* --- The outbox --------------------------------------------------------------------------- */
  var STATUS = {pending: "pending", sending: "sending", saved: "saved", conflict: "conflict"};

  function resolve(item) {
    O.session().then(function (s) {
      if (!s) { window.location.href = item.url; return; }
      var form = el("form", {method: "post", action: item.url, hidden: ""});
      item.fields.forEach(function (f) {
        if (f[0] !== "csrfmiddlewaretoken") form.appendChild(el("input", {type: "hidden", name: f[0], value: f[1]}));
      });
      form.appendChild(el("input", {type: "hidden", name: "csrfmiddlewaretoken", value: s.csrf}));
      body.appendChild(form);
      O.del(O.outboxKey(user, item.id)).then(function () { form.submit(); });
    });
  }

  function itemRow(item) {
    var li = el("li", {"data-field-item": item.id, "data-status": item.status});
    li.appendChild(el("span", {}, (item.title || S.untitled) + " "));
    li.appendChild(el("span", {"class": "badge field-" + item.status}, S[STATUS[item.status]] || item.status));
    if (item.problem === "signin") li.appendChild(el("span", {"class": "muted"}, " " + S.signin));
    if (item.status === "saved") {
      if (item.message) li.appendChild(el("span", {}, " " + item.message + " "));
      if (item.result_url) li.appendChild(el("a", {href: item.result_url}, S.open));
      var ok = li.appendChild(el("button", {type: "button", "class": "link"}, S.dismiss));
      ok.addEventListener("click", function () { O.del(O.outboxKey(user, item.id)).then(render); });
    }
    if (item.status === "conflict") {
      if (item.message) li.appendChild(el("p", {}, item.message));
      var compare = li.appendChild(el("button", {type: "button"}, S.resolve));
      compare.addEventListener("click", function () { resolve(item); });
    }
    return li;
  }

  function draftRow(draft) {
    var li = el("li", {"data-field-draft": draft.path, "data-status": draft.refused ? "refused" : "draft"});
    li.appendChild(el("span", {}, (draft.title || S.untitled) + " "));
    li.appendChild(el("span", {"class": "badge field-" + (draft.refused ? "refused" : "draft")},
      draft.refused ? S.refused : S.draft));
    if (draft.refused && draft.errors) {
      var first = Object.keys(draft.errors).map(function (k) { return draft.errors[k][0]; })[0];
      if (first) li.appendChild(el("span", {"class": "muted"}, " " + first));
    }
    li.appendChild(el("span", {}, " "));
    li.appendChild(el("a", {href: draft.path}, draft.refused ? S.correct : S.open));
    return li;
  }

  function render() {
    var sections = document.querySelectorAll("[data-field-outbox]");
    if (!sections.length) return Promise.resolve();
    return O.holdings(user).then(function (h) {
      Array.prototype.forEach.call(sections, function (section) {
        var list = section.querySelector("[data-field-list]");
        list.textContent = "";
        h.outbox.forEach(function (item) { list.appendChild(itemRow(item)); });
        h.drafts.forEach(function (draft) { list.appendChild(draftRow(draft)); });
        section.hidden = !(h.outbox.length || h.drafts.length);
        var waiting = h.outbox.some(function (i) { return i.status === "pending" || i.status === "sending"; });
        var send = section.querySelector("[data-field-send]");
        if (send) send.hidden = !waiting;
        var offline = section.querySelector("[data-field-offline]");
        if (offline) offline.hidden = navigator.onLine;
      });
    });
  }

  function sync() {
    if (!navigator.onLine) return render();
    return O.flush().then(render, render);
  }

  /* --- Pages kept for offline use, logout ---------------------------------------------------- */
  function keepPages(sw) {
    var holder = document.querySelector("[data-field-keep]");
    if (!holder || !sw) return;
    var urls = holder.getAttribute("data-field-keep").split(/\s+/).filter(Boolean);
    var stamp = "kept:" + user;
    var signature = urls.join(" ");
    O.get(stamp).then(function (kept) {
      if (kept && kept.signature === signature && Date.now() - kept.at < KEEP_EVERY_MS) return;
      sw.postMessage({type: "keep", urls: urls});
      O.set(stamp, {at: Date.now(), signature: signature});
    });
  }

  function guardLogout(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      // From the tap on, no draft is written: the field just left (its "change" event) would
      // otherwise be saved again after the stores are cleared, and stay on a shared phone.
      closing = true;
      O.holdings(user).then(function (h) {
        var unsent = h.outbox.filter(function (i) { return i.status !== "saved"; }).length + h.drafts.length;
        if (unsent && !window.confirm(fmt(S.logout, {n: unsent}))) { closing = false; return null; }
        var caches = window.caches ? window.caches.keys().then(function (keys) {
          return Promise.all(keys.map(function (k) { return window.caches.delete(k); }));
        }) : null;
        return Promise.all([O.clear(), caches]).then(function () { form.submit(); });
      });
    });
  }

  var saved = body.getAttribute("data-field-saved");
  var ready = saved ? O.del(O.draftKey(user, saved)) : Promise.resolve();
  ready.then(function () {
    var forms = document.querySelectorAll("form[data-field-form]");
    return Promise.all(Array.prototype.map.call(forms, setupForm));
  }).then(sync).then(function () { body.setAttribute("data-field-ready", "1"); });

  Array.prototype.forEach.call(document.querySelectorAll("form.logout"), guardLogout);
  Array.prototype.forEach.call(document.querySelectorAll("[data-field-send]"), function (button) {
    button.addEventListener("click", sync);
  });
  window.addEventListener("online", sync);
  window.addEventListener("offline", render);
  try { new BroadcastChannel("monusco-field").onmessage = render; } catch (e) { /* none */ }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.getAttribute("data-field-sw") || "/sw.js", {scope: "/"})
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) { keepPages(registration.active); })
      .catch(function () { return null; });
  }
})();
