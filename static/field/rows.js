/* Rows of the CLA forms' inline tables (Django formsets), added and removed on the device.
 *
 * The page works without this script: its "add" buttons post the form back with one more row.
 * Here they add the row at once instead, from the <template data-template="PREFIX"> the server
 * rendered from the formset's empty form ("__prefix__" becomes the row's index; in a nested
 * template, "threats-__parent__-actions", "__parent__" becomes the threat's). A new row (no uid)
 * gets a Remove button; a saved row keeps its delete checkbox. Indices may have gaps: the server
 * skips a row it is not sent. Every label comes from the page (data-remove-label).
 *
 *   FieldRows.add(form, prefix)          -> the new row element (null at the formset's maximum)
 *   FieldRows.ensure(form, prefix, total) : rows 0..total-1 exist and TOTAL_FORMS >= total
 * After any change, "field:rows-changed" bubbles from the form. The form pages load this script
 * before field.js, so that a draft restored on open can make its rows.
 */
(() => {
  "use strict";
  const NESTED = /^(.+)-(\d+)-(\w+)$/; // "threats-2-actions": parent "threats", index 2

  const field = (form, name) => form.querySelector(`input[name="${name}"]`);
  const box = (form, prefix) => form.querySelector(`[data-rows="${prefix}"]`);

  function indexOf(row, prefix) {
    const rest = row.id.startsWith(`${prefix}-`) ? row.id.slice(prefix.length + 1) : "";
    return /^\d+$/.test(rest) ? Number(rest) : -1;
  }

  function findRow(container, prefix, index) {
    return Array.from(container.children).find((row) => indexOf(row, prefix) === index) || null;
  }

  function template(form, prefix) {
    const own = form.querySelector(`template[data-template="${prefix}"]`);
    if (own) return { node: own, parent: "" };
    const nested = NESTED.exec(prefix);
    const node = nested && form.querySelector(`template[data-template="${nested[1]}-__parent__-${nested[3]}"]`);
    return node ? { node, parent: nested[2] } : null;
  }

  function fill(fragment, index, parent) {
    const swap = (text) =>
      text.replace(/__parent__/g, parent).replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    fragment.querySelectorAll("*").forEach((element) => {
      Array.from(element.attributes).forEach((attribute) => {
        if (attribute.value.includes("__")) attribute.value = swap(attribute.value);
      });
    });
    const walker = document.createTreeWalker(fragment, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      if (walker.currentNode.nodeValue.includes("__")) walker.currentNode.nodeValue = swap(walker.currentNode.nodeValue);
    }
  }

  function isNew(row) {
    const uid = row.querySelector(`input[name="${row.id}-uid"]`);
    return !uid || !uid.value;
  }

  function addRemoveButtons(root) {
    const rows = root.matches && root.matches("[data-rows] > [id]") ? [root] : [];
    rows.concat(Array.from(root.querySelectorAll("[data-rows] > [id]"))).forEach((row) => {
      const label = row.parentElement.dataset.removeLabel;
      if (!label || !isNew(row) || row.querySelector(`:scope > button[data-remove]`)) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "remove";
      button.dataset.remove = "";
      button.textContent = label;
      row.append(button);
    });
  }

  function changed(form) {
    form.dispatchEvent(new CustomEvent("field:rows-changed", { bubbles: true }));
  }

  // The container of ``prefix``, making the parent row first when it is a nested formset.
  function container(form, prefix) {
    const found = box(form, prefix);
    const nested = NESTED.exec(prefix);
    if (found || !nested || !box(form, nested[1])) return found;
    make(form, nested[1], Number(nested[2]));
    return box(form, prefix);
  }

  // Row ``index`` of ``prefix``, made from the template if missing (no event).
  function make(form, prefix, index) {
    const rows = container(form, prefix);
    const total = field(form, `${prefix}-TOTAL_FORMS`);
    const tpl = template(form, prefix);
    if (!rows || !total || !tpl) return null;
    const existing = findRow(rows, prefix, index);
    if (existing) return existing;
    const fragment = tpl.node.content.cloneNode(true);
    fill(fragment, index, tpl.parent);
    const row = fragment.firstElementChild;
    const after = Array.from(rows.children).find((other) => indexOf(other, prefix) > index);
    rows.insertBefore(fragment, after || null);
    total.value = String(Math.max(Number(total.value) || 0, index + 1));
    addRemoveButtons(row);
    return row;
  }

  function add(form, prefix) {
    const rows = container(form, prefix);
    const total = field(form, `${prefix}-TOTAL_FORMS`);
    const max = field(form, `${prefix}-MAX_NUM_FORMS`);
    if (!rows || !total) return null;
    let index = Number(total.value) || 0;
    while (findRow(rows, prefix, index)) index += 1;
    if (max && index >= Number(max.value)) return null;
    const row = make(form, prefix, index);
    if (row) changed(form);
    return row;
  }

  function ensure(form, prefix, count) {
    const rows = container(form, prefix);
    const total = field(form, `${prefix}-TOTAL_FORMS`);
    if (!rows || !total) return;
    for (let index = 0; index < count; index += 1) make(form, prefix, index);
    total.value = String(Math.max(Number(total.value) || 0, count));
    changed(form);
  }

  function remove(row) {
    const form = row.closest("form");
    const container = row.parentElement;
    const add = form.querySelector(`button[data-add="${container.dataset.rows}"]`);
    row.remove();
    if (add) add.focus();
    changed(form);
  }

  function focusFirstField(row) {
    const input = row.querySelector("select, textarea, input:not([type=hidden])");
    if (input) input.focus();
  }

  document.querySelectorAll("form").forEach((form) => {
    if (!form.querySelector("[data-rows]")) return;
    addRemoveButtons(form);
    form.addEventListener("click", (event) => {
      const adder = event.target.closest("button[data-add]");
      const remover = event.target.closest("button[data-remove]");
      if (adder) {
        event.preventDefault();
        const row = add(form, adder.dataset.add);
        if (row) focusFirstField(row);
      } else if (remover) {
        remove(remover.parentElement);
      }
    });
  });

  // The error summary takes the focus (its autofocus, for the browsers that only honour it on
  // fields), and its links take the focus to their field, opening a folded section on the way.
  const summary = document.getElementById("error-summary");
  if (summary && document.activeElement === document.body) summary.focus();
  if (summary) {
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      const target = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) return;
      const field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
      const folded = target.closest("details");
      if (folded) folded.open = true;
      if (!field) return;
      event.preventDefault();
      history.replaceState(null, "", link.hash);
      field.scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    });
  }

  window.FieldRows = { add, ensure };
})();
