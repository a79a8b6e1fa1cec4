// Destructive actions ask first: <form data-confirm="Remove …?">. The server still needs POST+CSRF.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
