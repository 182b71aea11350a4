/* The map page: draws the layers of monusco.map over the app's outlines (and tiles when
   MAP_TILE_URL or MAP_PMTILES_FILE is set). The same data is on the page as a table, so without this script nothing
   is lost. A click on a point opens the record's page. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  el.hidden = false;
  var L = window.L;
  var layers = JSON.parse(el.dataset.layers || "[]");
  var map = L.map(el, { preferCanvas: false }).setView([-3.0, 28.8], 8);
  if (el.dataset.pmtiles && window.protomapsL) {
    // The archive on the app's own storage, drawn in the page (vector tiles, no tile server).
    window.protomapsL.leafletLayer({ url: el.dataset.pmtiles, flavor: "light",
      lang: document.documentElement.lang || "fr", attribution: el.dataset.attribution || "" }).addTo(map);
    el.dataset.background = "pmtiles";
  } else if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var COLOURS = { alerts: "#c0392b", "sexual-violence": "#6c3483", meetings: "#1f618d", bases: "#111111",
    "plan-actions": "#b9770e", itineraries: "#117a65" };
  var control = L.control.layers(null, null, { collapsed: false }).addTo(map);
  var bounds = L.latLngBounds([]);

  function failed(label) {
    var p = document.createElement("p");
    p.className = "errorlist";
    p.setAttribute("role", "alert");
    p.textContent = el.dataset.failed.replace("{layer}", label);
    el.parentNode.insertBefore(p, el);
  }

  function load(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  load(el.dataset.outlines).then(function (data) {
    var outlines = L.geoJSON(data, {
      interactive: false,
      style: function (f) {
        return f.properties.kind === "province"
          ? { color: "#555", weight: 2, fill: false }
          : { color: "#888", weight: 1, dashArray: "4", fillColor: "#fff", fillOpacity: 0.4 };
      }
    }).addTo(map);
    outlines.bringToBack();
    control.addOverlay(outlines, el.dataset.outlinesLabel);
    if (outlines.getBounds().isValid()) { bounds.extend(outlines.getBounds()); map.fitBounds(bounds); }
  }).catch(function () { failed(el.dataset.outlinesLabel); });

  layers.forEach(function (layer) {
    var colour = COLOURS[layer.slug] || "#333";
    load(layer.url).then(function (data) {
      var group = L.geoJSON(data, {
        style: function () { return { color: colour, weight: 3, opacity: 0.7 }; },
        pointToLayer: function (f, latlng) {
          if (layer.countsOnly) {
            var span = document.createElement("span");
            span.className = "map-count";
            span.textContent = f.properties.count + " – " + f.properties.territory;
            return L.marker(latlng, { icon: L.divIcon({ className: "map-count-icon", html: span, iconSize: null }),
              keyboard: false, interactive: false });
          }
          return L.circleMarker(latlng, { radius: f.properties.exact ? 6 : 8, color: colour, weight: 2,
            className: "map-point map-" + layer.slug,
            fillOpacity: f.properties.exact ? 0.9 : 0.4 });
        },
        onEachFeature: function (f, item) {
          var p = f.properties;
          if (layer.countsOnly) { return; }
          var tip = p.label + (p.date ? " (" + p.date + ")" : "") +
            (f.geometry && f.geometry.type === "Point" ? " – " + (p.exact ? el.dataset.exact : el.dataset.approx) : "");
          item.bindTooltip(tip);
          if (p.url) {
            item.on("click", function () { window.location.assign(p.url); });
            item.on("keypress", function (e) { if (e.originalEvent.key === "Enter") { window.location.assign(p.url); } });
          }
        }
      }).addTo(map);
      el.setAttribute("data-loaded-" + layer.slug, String(data.features.length));
      control.addOverlay(group, layer.label);
    }).catch(function () { failed(layer.label); });
  });
}());
