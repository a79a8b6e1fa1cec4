// The waiting page: asks the status endpoint until the link is used, then finishes by itself.
(() => {
  const root = document.getElementById("waiting");
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const skew = Number(root.dataset.serverNow) - Date.now();
  const serverNow = () => Date.now() + skew;
  const el = (id) => document.getElementById(id);
  let expireAt = Number(root.dataset.expireAt);
  let resendAt = Number(root.dataset.resendAt);
  let state = root.dataset.state;
  // Another tab of this browser is spending a link: look again as its request lands, besides
  // the long-poll that is already waiting.
  async function refresh() {
    const response = await fetch(root.dataset.statusUrl, { cache: "no-store" });
    if (response.ok) apply(await response.json());
  }
  if ("BroadcastChannel" in window) {
    new BroadcastChannel("latchkey").onmessage = () => {
      [250, 1000].forEach((ms) => setTimeout(() => refresh().catch(() => {}), ms));
    };
  }
  let delay = 1000;
  let version = root.dataset.version;

  function show(next) {
    state = next;
    root.dataset.state = next;
    root.querySelectorAll("[data-show]").forEach((node) => {
      node.hidden = !node.dataset.show.split(" ").includes(next);
    });
  }

  function apply(data) {
    version = data.version;
    expireAt = data.verification.expire_at;
    resendAt = data.resend_available_at;
    el("delivery-failed").hidden = data.email_delivery !== "failed";
    const next = data.page_state;
    if (next === "same-client" && data.next_url) el("continue-link").href = data.next_url;
    show(next);
    if (next === "approved" && data.next_url) window.location.assign(data.next_url);
    keepPolling();
  }

  function mmss(ms) {
    const total = Math.max(0, Math.ceil(ms / 1000));
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
  }

  function tick() {
    const left = expireAt - serverNow();
    el("time-left").textContent = mmss(left);
    if (state === "waiting" && left <= 0) show("expired");
    const wait = resendAt - serverNow();
    el("resend").disabled = wait > 0;
    el("cooldown").textContent = wait > 0 ? `You can resend in ${Math.ceil(wait / 1000)} s` : "";
  }

  // A long-poll: the server holds the request until the status changes (or 25 s pass), so
  // the tab reacts at once. On errors it backs off; the page also works by plain reload.
  // In these states nothing more will change by itself (the server would not hold the poll),
  // so the loop stops; a resend brings the tab back to "waiting" and restarts it (apply).
  const SETTLED = [
    "same-client", "approved", "verified", "closed", "expired",
    "too-many-codes", "wrong-number", "denied",
  ];
  let polling = false;

  function keepPolling() {
    if (!polling && !SETTLED.includes(state)) poll();
  }

  async function poll() {
    polling = true;
    const url = `${root.dataset.statusUrl}?wait=25&seen=${encodeURIComponent(version)}`;
    let next = 0;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.status === 404) {
        polling = false;
        return show("closed");
      }
      if (response.ok) {
        const data = await response.json();
        apply(data);
        if (SETTLED.includes(data.page_state)) {
          polling = false;
          return;
        }
        delay = 1000;
      } else {
        next = delay = Math.min(delay * 2, 15000);
      }
      // Answered without waiting (too many long-polls, or a newer poll of this browser took
      // over): ask again only when the server says, or the tab would spin.
      const retryAfter = Number(response.headers.get("Retry-After")) * 1000 || 0;
      next = Math.max(next, retryAfter);
    } catch (_) {
      next = delay = Math.min(delay * 2, 15000); // offline or server restarting: back off
    }
    setTimeout(poll, next);
  }

  el("resend-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    el("resend").disabled = true;
    const response = await fetch(root.dataset.resendUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    });
    const data = await response.json();
    const error = el("error");
    if (response.ok) {
      error.hidden = true;
      apply(data);
      el("status").textContent = "We sent a new link. Links and codes in earlier emails no longer work.";
    } else {
      error.textContent = data.errors[0].message;
      error.hidden = false;
    }
    tick();
  });

  // The code from the email (SPEC §10): a right one signs this tab in and goes on; a wrong
  // one says how many tries are left; the fifth stops the request, and the page says so.
  const codeForm = el("code-form");
  if (codeForm) {
    codeForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = el("error");
      el("code-submit").disabled = true;
      let response;
      let data;
      try {
        response = await fetch(root.dataset.codeUrl, {
          method: "POST",
          headers: { "X-CSRFToken": csrf, Accept: "application/json", "Content-Type": "application/json" },
          body: JSON.stringify({ code: el("code").value }),
        });
        data = await response.json();
      } catch (_) {
        // No answer we can read: the code may have arrived and counted, so it is not sent
        // again by itself. The state is asked afresh (it may say the tab signed in).
        el("code-submit").disabled = false;
        error.textContent = "We could not reach the server. Check your connection and try again.";
        error.hidden = false;
        refresh().catch(() => {});
        return;
      }
      el("code-submit").disabled = false;
      if (response.ok) {
        error.hidden = true;
        window.location.assign(data.next_url);
        return;
      }
      error.textContent = data.errors[0].message;
      error.hidden = false;
      el("code").setAttribute("aria-invalid", "true");
      el("code").select();
      refresh().catch(() => {}); // a last wrong code stopped the request: show why
    });
  }

  show(state);
  tick();
  setInterval(tick, 250);
  if (state === "approved") {
    window.location.assign(el("finish-link").href);
  } else {
    keepPolling();
  }
})();
