// The waiting page: asks the status endpoint until the link is used, then finishes by itself.
// Its words are the page's (waiting.html): the headings and outcomes, and #waiting-words.
(() => {
  const root = document.getElementById("waiting");
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const words = JSON.parse(document.getElementById("waiting-words").textContent);
  const outcomes = document.getElementById("outcomes").content;
  const language = document.documentElement.lang;
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

  // A new state: its parts shown, what happened said once in the status line (the page's live
  // region), and focus on its heading, where a keyboard or screen reader picks up from.
  function show(next) {
    if (next === state) return;
    state = next;
    root.dataset.state = next;
    root.querySelectorAll("[data-show]").forEach((node) => {
      node.hidden = !node.dataset.show.split(" ").includes(next);
    });
    el("status").textContent = outcomes.querySelector(`[data-state="${next}"]`).textContent;
    root.querySelector("h1:not([hidden])").focus();
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

  // As app/i18n.py's duration: the largest whole unit, never rounded up ("9 minutes" from 9:59,
  // "90 seconds"), in the page's language.
  const UNITS = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  function duration(seconds) {
    const total = Math.max(1, Math.ceil(seconds));
    const [unit, size] = UNITS.find(([, size]) => total % size === 0 || total >= 2 * size);
    const format = new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "long" });
    return format.format(Math.floor(total / size));
  }
  const within = (text, seconds) => text.replace("%(wait)s", duration(seconds));

  function tick() {
    const left = expireAt - serverNow();
    el("time-left").textContent = duration(left / 1000);
    if (state === "waiting" && left <= 0) show("expired");
    const wait = resendAt - serverNow();
    el("resend").disabled = wait > 0;
    el("cooldown").textContent = wait > 0 ? within(words.resendIn, wait / 1000) : "";
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

  // A form sent as JSON: its answer, or null when none came that can be read (offline, say).
  async function send(url, body) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, Accept: "application/json", "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      return { response, data: await response.json() };
    } catch (_) {
      return null;
    }
  }

  // A refusal in the page's words: the /api answers in English (SPEC §11), so by its code.
  function refusal({ response, data }, tooMany) {
    if (!data.errors) return words.failed;
    const [error] = data.errors;
    const reason = words.reasons[error.meta.reason];  // the domain's refusals say which
    if (response.status === 429) {
      return within(reason || tooMany, Number(response.headers.get("Retry-After")) || 60);
    }
    if (reason) return reason;
    if ("tries_left" in error.meta) return words.triesLeft[error.meta.tries_left];
    return words.errors[error.code] || words.failed;
  }

  function showError(text) {
    el("error").textContent = text;
    el("error").hidden = !text;
  }

  el("resend-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    el("resend").disabled = true;
    const answer = await send(root.dataset.resendUrl, {});
    if (!answer) {
      showError(words.unreachable);
    } else if (answer.response.ok) {
      showError("");
      apply(answer.data);
      el("status").textContent = words.resent;
    } else {
      showError(refusal(answer, words.tooManyEmails));
    }
    tick();
  });

  // The code from the email (SPEC §10): a right one signs this tab in and goes on; a wrong
  // one says how many tries are left; the fifth stops the request, and the page says so.
  const codeForm = el("code-form");
  if (codeForm) {
    codeForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      el("code-submit").disabled = true;
      const answer = await send(root.dataset.codeUrl, { code: el("code").value });
      el("code-submit").disabled = false;
      if (answer && answer.response.ok) {
        showError("");
        window.location.assign(answer.data.next_url);
        return;
      }
      if (answer) {
        showError(refusal(answer, words.tooManyCodes));
        el("code").setAttribute("aria-invalid", "true");
        el("code").select();
      } else {
        // No answer we can read: the code may have arrived and counted, so it is not sent
        // again by itself.
        showError(words.unreachable);
      }
      // The state is asked afresh: a last wrong code stopped the request, a lost answer may
      // have signed this tab in.
      refresh().catch(() => {});
    });
  }

  el("updates-by-itself").hidden = false;
  tick();
  setInterval(tick, 250);
  if (state === "approved") {
    window.location.assign(el("finish-link").href);
  } else {
    keepPolling();
  }
})();
