/* "Use my position": fills a form's latitude, longitude and accuracy from the browser, only when
   the CLA taps the button (never on its own), and warns (never refuses) when the position is
   over data-far-km from the chosen locality. The fields are filled with input events, so the field
   mode's drafts keep them offline like anything typed. The server checks the distance again. */
(function () {
  "use strict";
  function km(lat1, lon1, lat2, lon2) {
    var r = Math.PI / 180, dp = (lat2 - lat1) * r, dl = (lon2 - lon1) * r;
    var a = Math.sin(dp / 2) * Math.sin(dp / 2) +
      Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function set(input, value) {
    if (!input) { return; }
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.querySelectorAll("[data-position]").forEach(function (box) {
    var form = box.closest("form");
    if (!form) { return; }
    var lat = form.querySelector("[name=latitude]"), lon = form.querySelector("[name=longitude]");
    var acc = form.querySelector("[name=position_accuracy]"), place = form.querySelector("select[name=locality]");
    var use = box.querySelector(".use-position"), clear = box.querySelector(".clear-position");
    var status = box.querySelector(".position-status"), far = box.querySelector(".position-far");
    var limit = parseFloat(box.dataset.farKm);

    function check() {
      var option = place && place.selectedOptions[0];
      var plat = option && parseFloat(option.dataset.lat), plon = option && parseFloat(option.dataset.lon);
      var la = parseFloat(lat.value), lo = parseFloat(lon.value);
      var distance = (isNaN(la) || isNaN(lo) || isNaN(plat) || isNaN(plon)) ? 0 : km(la, lo, plat, plon);
      far.hidden = !(distance > limit);
      far.textContent = far.hidden ? "" : box.dataset.far.replace("{km}", String(Math.round(distance)));
      clear.hidden = !lat.value && !lon.value;
    }
    if (!lat || !lon) { return; }
    if ("geolocation" in navigator) { use.hidden = false; }
    use.addEventListener("click", function () {
      status.textContent = box.dataset.waiting;
      navigator.geolocation.getCurrentPosition(function (p) {
        set(lat, p.coords.latitude.toFixed(5));
        set(lon, p.coords.longitude.toFixed(5));
        set(acc, String(Math.round(p.coords.accuracy)));
        status.textContent = box.dataset.filled.replace("{m}", String(Math.round(p.coords.accuracy)));
        check();
      }, function (error) {
        status.textContent = box.dataset.failed.replace("{reason}", error.message || String(error.code));
      }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
    });
    clear.addEventListener("click", function () {
      set(lat, ""); set(lon, ""); set(acc, "");
      status.textContent = "";
      check();
    });
    [lat, lon, place].forEach(function (input) { if (input) { input.addEventListener("change", check); } });
    check();
  });
}());
