// The same browser that asked for the link: finish without a click (the button stays for no-JS).
document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  form.submit();
});
