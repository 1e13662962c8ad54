// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = "Copied";
  } catch (err) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = "Press Ctrl+C";
  }
  setTimeout(() => { button.textContent = "Copy"; }, 2000);
});
// <select data-refresh="button-id">: re-render the form for the new choice (the button does it without JS).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-refresh]");
  if (!select) return;
  const button = document.getElementById(select.dataset.refresh);
  if (button && select.form) select.form.requestSubmit(button);
});
// button[data-add-row=template-id][data-rows=tbody-id]: add a row from the template in place (the button
// re-renders the form on the server without JS); button[data-remove-row]: drop its row in place.
let addedRows = 0;
document.addEventListener("click", (event) => {
  const add = event.target.closest("button[data-add-row]");
  if (add) {
    const template = document.getElementById(add.dataset.addRow);
    const rows = document.getElementById(add.dataset.rows);
    if (!template || !rows) return;
    event.preventDefault();
    addedRows += 1;
    const row = template.content.cloneNode(true);
    row.querySelectorAll("[data-id]").forEach((el) => { el.id = `${el.dataset.id}-added-${addedRows}`; });
    row.querySelectorAll("label[data-for]").forEach((el) => { el.htmlFor = `${el.dataset.for}-added-${addedRows}`; });
    rows.appendChild(row);
    const table = rows.closest("table");
    if (table) table.hidden = false;
    const empty = document.getElementById(add.dataset.empty || "");
    if (empty) empty.hidden = true;
    const first = rows.lastElementChild && rows.lastElementChild.querySelector("input");
    if (first) first.focus();
    return;
  }
  const remove = event.target.closest("button[data-remove-row]");
  if (remove && remove.closest("tr")) {
    event.preventDefault();
    remove.closest("tr").remove();
  }
});
// form[data-confirm="question"]: ask before a destructive action (without JS it just happens).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
