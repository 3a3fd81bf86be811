// Shared by the desk's scripts (desk.js, desk_side.js): French words and formats, the adviser's state in words and
// which actions it allows, requests with French errors, a note saved as typed, the SSE stream that reconnects by
// itself, and the DOM timings the bench reads (window.allo_desk_timings). Texts from the server go in with
// textContent, never as HTML.
window.alloDesk = (() => {
  const { $, el } = window.alloKb;
  const root = $("#desk");
  const labels = JSON.parse($("#desk-labels").textContent);
  const me = { agent: root.dataset.agent, username: root.dataset.username };

  const two = (n) => String(n).padStart(2, "0");
  const clock = (date) => `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  function duration(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return "–";
    const s = Math.max(0, Math.round(Number(seconds)));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    return m < 60 ? `${m} min ${two(s % 60)} s` : `${Math.floor(m / 60)} h ${two(m % 60)} min`;
  }
  const dateTime = (value) => {
    if (!value) return "";
    const date = new Date(typeof value === "number" ? value * 1000 : value);
    return Number.isNaN(date.getTime()) ? String(value)
      : `${date.toLocaleDateString("fr-FR")} à ${date.getHours()} h ${two(date.getMinutes())}`;
  };

  // The adviser's state document (SSE `state`) in one word for the page, and the actions it allows.
  function stateOf(state) {
    if (!state || !state.logged_in) return { key: "logged_out", text: labels.states.logged_out };
    if (state.in_call) return { key: "on_call", text: labels.states.on_call };
    if (state.wrapup && state.wrapup.deadline > 0) return { key: "wrapup", text: labels.states.wrapup };
    if (state.paused) {
      const why = state.pause_label || state.pause_reason;
      return { key: "paused", text: why ? `${labels.states.paused} — ${why}` : labels.states.paused };
    }
    return { key: "available", text: labels.states.available };
  }

  function allowed(state) {
    const logged = Boolean(state && state.logged_in);
    const paused = logged && Boolean(state.paused);
    const wrapup = logged && Boolean(state.wrapup);
    // A pause of one's own replaces the wrap-up pause (docs/desk.md); the wrap-up pause ends with « Terminer ».
    return { login: !logged, pause: logged && (!paused || wrapup), resume: paused && !wrapup, logout: logged };
  }

  const FALLBACK = {
    0: "Le serveur ne répond pas : réessayez dans un instant.",
    401: "Votre session a expiré : reconnectez-vous.",
    403: "Votre compte n'a pas accès à cette action.",
    404: "Cet appel est introuvable.",
    409: "Action impossible dans l'état actuel.",
    422: "Demande refusée : une donnée est invalide.",
    503: "Le service téléphonique est momentanément injoignable : réessayez dans un instant.",
  };
  function failure(reply, what) {
    const detail = reply.data && reply.data.detail;
    const message = typeof detail === "string" ? detail : detail && typeof detail.message === "string"
      ? detail.message : FALLBACK[reply.status] || `erreur ${reply.status}`;
    return what ? `${what} : ${message}` : message;
  }

  async function call(method, url, body) {
    try {
      return await window.allo.send(method, url, body);
    } catch (_) {
      return { ok: false, status: 0, data: null };
    }
  }
  const callUrl = (callId, action) => `/api/desk/calls/${encodeURIComponent(callId)}${action ? `/${action}` : ""}`;

  // The note of one call, saved `delay` ms after the last key; writes go one after the other, in order. flush()
  // saves what is pending at once and resolves true when everything typed so far is stored.
  function noteSaver({ delay = 600, saved, failed }) {
    let pending = null;  // {callId, text} not yet sent
    let timer = null, chain = Promise.resolve(true);
    const retryable = (status) => status === 0 || status >= 500;

    function changed(callId, text) {
      pending = { callId, text };
      clearTimeout(timer);
      timer = setTimeout(flush, delay);
    }
    function flush() {
      clearTimeout(timer);
      timer = null;
      if (pending === null) return chain;
      const note = pending;
      pending = null;
      chain = chain.then(async () => {
        const reply = await call("PUT", callUrl(note.callId, "note"), { text: note.text });
        if (reply.ok) { saved(note, reply.data); return true; }
        failed(note, reply);
        if (retryable(reply.status) && pending === null) {  // kept: sent again a moment later
          pending = note;
          timer = setTimeout(flush, 3000);
        }
        return false;
      });
      return chain;
    }
    const waiting = () => pending !== null;
    return { changed, flush, waiting };
  }

  // What the bench and the tests read: for each kind of event, the last time from the message's receipt to the
  // DOM drawn (performance.now()), and for a pop, from allo's AMI event (event_wall) to the DOM drawn.
  const timings = { last: {}, pops: [] };
  window.allo_desk_timings = timings;
  function measured(kind, receivedAt, data) {
    const drawnAt = performance.now();
    const entry = { kind, receipt_to_dom_ms: drawnAt - receivedAt, at: Date.now() };
    if (data && data.call_id) entry.call_id = data.call_id;
    if (data && typeof data.event_wall === "number") entry.event_to_dom_ms = Date.now() - data.event_wall * 1000;
    timings.last[kind] = entry;
    if (kind === "pop") {
      timings.pops.push(entry);
      if (timings.pops.length > 200) timings.pops.shift();
    }
    return entry;
  }

  // EventSource reconnects by itself after a dropped connection; when the server refused it (CLOSED), connect
  // again after a growing delay. `opened` runs at every (re)connection: the page reloads its state then.
  function stream(url, handlers, { opened, dropped }) {
    let source = null, retry = 1000;
    function connect() {
      source = new EventSource(url);
      window.allo_desk_source = source;
      source.addEventListener("open", () => { retry = 1000; opened(); });
      for (const [name, handle] of Object.entries(handlers)) {
        source.addEventListener(name, (event) => {
          const receivedAt = performance.now();
          let data;
          try { data = JSON.parse(event.data); } catch (_) { return; }
          handle(data, receivedAt);
        });
      }
      source.addEventListener("error", () => {
        dropped();
        if (source.readyState === EventSource.CLOSED) {
          setTimeout(connect, retry);
          retry = Math.min(retry * 2, 15000);
        }
      });
    }
    connect();
  }

  function say(box, text, kind) {
    box.className = kind === "error" ? "error" : kind === "ok" ? "ok" : "muted";
    box.textContent = text;
  }

  function noteItem(note) {
    const when = note.updated_at || note.created_at;
    return el("li", { "data-note-id": String(note.id ?? "") },
      el("p", { class: "muted desk-note-meta", text: `${note.author || "?"}${when ? ` · ${dateTime(when)}` : ""}` }),
      el("p", { class: "desk-note-text", text: note.text || "" }));
  }

  // The call the desk shows (a pop, kept through its wrap-up) and what the adviser did during it.
  const session = { call: null, ended: false, transferredTo: null, oriented: [], reason: null };

  return { $, el, me, labels, session, clock, duration, dateTime, stateOf, allowed, failure, call, callUrl, noteSaver,
           measured, stream, say, noteItem };
})();
