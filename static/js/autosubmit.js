// The same browser that asked for the link: finish without a click (the button stays for no-JS),
// and tell this browser's waiting tabs to look again.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  if ("BroadcastChannel" in window) new BroadcastChannel("latchkey").postMessage("link-used");
  form.submit();
});
