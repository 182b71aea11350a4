/* The admin's team and place pickers (select2) draw a search box with no label of its own: give
 * each the label of the field it searches, whenever select2 draws one. */
(function () {
  "use strict";
  function name(box) {
    var container = box.closest(".select2-container");
    var select = container && container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") return "";
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }
  function label() {
    document.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (box) {
      var text = name(box);
      if (text) box.setAttribute("aria-label", text);
    });
  }
  label();
  new MutationObserver(label).observe(document.body, {childList: true, subtree: true});
})();
