// Copy buttons: <button data-copy="field-id" data-copy-status="status-id" hidden>. Without JS
// the button stays hidden and the read-only field can still be selected and copied by hand.
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
      say("Copied to the clipboard.");
    } catch (error) {
      field.select();
      say("Could not copy: the text is selected, press Ctrl+C (⌘C on a Mac).");
    }
  });
});
