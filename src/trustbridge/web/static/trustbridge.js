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
