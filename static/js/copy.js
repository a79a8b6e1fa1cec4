// Copy buttons: <button data-copy="field-id" data-copy-status="status-id" data-copied="…"
// data-copy-failed="…" hidden>; the two sentences come from the page, in the reader's language.
// Without JS the button stays hidden and the read-only field can still be selected and copied
// by hand.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.copyStatus || "");
  if (!field) return;
  const say = (text) => { if (status) status.textContent = text; };
  field.addEventListener("focus", () => field.select());
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      // The Clipboard API needs a secure context; plain-http servers fall back to execCommand.
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(field.value);
      } else {
        field.select();
        if (!document.execCommand("copy")) throw new Error("copy refused");
      }
      say(button.dataset.copied);
    } catch (error) {
      field.select();
      say(button.dataset.copyFailed);
    }
  });
});
