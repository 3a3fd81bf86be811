// The adviser's desk (/desk, docs/desk.md): my state and its buttons, the call's card (screen-pop), my notes saved
// as typed, the reason chosen during the call, and the live stream that feeds them (desk_kit.js first; the
// transfer, help and knowledge panel are desk_side.js'). Focus never moves by itself: a call arriving is announced
// (aria-live), and Alt+N / Alt+A / Alt+W / Alt+K take the adviser where they want to go.
(() => {
  const D = window.alloDesk;
  const { $, el, me, labels, session } = D;
  const message = $("#desk-message");
  let state = null;
  let reasons = { pause: [], wrapup: [], themes: [] };

  // ---- my state
  function renderState(data) {
    state = data;
    const shown = D.stateOf(data);
    const label = $("#desk-state");
    label.textContent = shown.text;
    label.dataset.state = shown.key;
    $("#desk-queues").textContent = data && data.queues && data.queues.length ? data.queues.join(", ") : "–";
    const can = D.allowed(data);
    for (const action of ["login", "pause", "resume", "logout"]) $(`#desk-${action}`).disabled = !can[action];
    $("#desk-pause-reason").disabled = !can.pause;
    D.wrapupFromState(data);
  }

  async function act(action) {
    const body = action === "pause" ? { reason: $("#desk-pause-reason").value } : undefined;
    const button = $(`#desk-${action}`);
    button.setAttribute("aria-busy", "true");
    const reply = await D.call("POST", `/api/desk/${action}`, body);
    button.removeAttribute("aria-busy");
    const names = { login: "Connexion", pause: "Pause", resume: "Reprise", logout: "Déconnexion" };
    if (!reply.ok) { D.say(message, D.failure(reply, `${names[action]} refusée`), "error"); return; }
    D.say(message, `${names[action]} effectuée à ${D.clock(new Date())}.`, "ok");
    if (reply.data && reply.data.logged_in !== undefined) renderState(reply.data);
  }
  for (const action of ["login", "pause", "resume", "logout"]) {
    $(`#desk-${action}`).addEventListener("click", () => act(action));
  }

  // ---- the call's card
  function setText(selector, text) { $(selector).textContent = text ?? ""; }

  function renderCall(pop, { announce }) {
    const card = $("#desk-call");
    const fresh = card.dataset.callId !== pop.call_id;
    card.dataset.callId = pop.call_id;
    session.call = pop;
    session.ended = false;
    if (fresh) { session.transferredTo = null; session.oriented = []; session.reason = pop.reason || null; }
    $("#desk-no-call").hidden = true;
    $("#desk-call-body").hidden = false;
    setText("#desk-call-id", pop.call_id);
    setText("#desk-call-queue", pop.queue || "–");
    setText("#desk-call-level", labels.levels[String(pop.level)] || String(pop.level ?? "–"));
    setText("#desk-call-waited", D.duration(pop.waited_s));
    setText("#desk-call-origin", labels.origins[pop.origin] || pop.origin || "–");
    setText("#desk-call-answered", pop.answered_at ? D.dateTime(pop.answered_at) : "–");
    const path = pop.path || {};
    setText("#desk-path-keys", path.keys || "aucune");
    setText("#desk-path-sector", path.sector || pop.sector || "–");
    $("#desk-path-steps").replaceChildren(...(path.steps || []).map((step) => el("li", { text: step })));

    const transfer = pop.transfer;
    $("#desk-transfer-from").hidden = !transfer;
    if (transfer) {
      setText("#desk-transfer-from-title", `Transféré par ${transfer.from_agent}` +
              (transfer.at ? ` (${D.dateTime(transfer.at)})` : ""));
      setText("#desk-transfer-reason", `Motif indiqué par le niveau 1 : ${transfer.reason_label || "non renseigné"}`);
      $("#desk-transfer-notes").replaceChildren(...notesOrNone(transfer.notes));
    }
    const repeat = pop.repeat;
    $("#desk-repeat").hidden = !repeat;
    if (repeat) {
      setText("#desk-repeat-when", `Le ${D.dateTime(repeat.at)} (appel ${repeat.call_id})` +
              (repeat.outcome ? ` · issue : ${labels.outcomes[repeat.outcome] || repeat.outcome}` : ""));
      setText("#desk-repeat-reason", `Motif : ${repeat.reason_label || "non renseigné"}`);
      $("#desk-repeat-notes").replaceChildren(...notesOrNone(repeat.notes));
    }
    renderNotes(pop.notes || [], fresh);
    prefillReason(session.reason);
    for (const select of document.querySelectorAll(".desk-reason-select")) select.disabled = false;
    if (announce) {
      const from = transfer ? `, transféré par ${transfer.from_agent}` : "";
      setText("#desk-announce", `Appel reçu de la file ${pop.queue || "?"}${from}. Alt+N pour écrire les notes.`);
    }
    document.dispatchEvent(new CustomEvent("desk:call", { detail: { fresh } }));
  }

  function notesOrNone(notes) {
    return notes && notes.length ? notes.map(D.noteItem) : [el("li", { class: "muted", text: "Aucune note." })];
  }

  function clearCall() {
    const card = $("#desk-call");
    card.dataset.callId = "";
    session.call = null;
    session.ended = false;
    $("#desk-no-call").hidden = false;
    $("#desk-call-body").hidden = true;
    const note = $("#desk-note");
    note.value = "";
    note.disabled = true;
    setText("#desk-note-status", "");
    $("#desk-other-notes").hidden = $("#desk-other-notes-title").hidden = true;
    for (const select of document.querySelectorAll(".desk-reason-select")) { select.value = ""; select.disabled = true; }
    setText("#desk-reason-status", "");
    document.dispatchEvent(new CustomEvent("desk:call", { detail: { fresh: true } }));
  }
  D.clearCall = clearCall;
  D.renderCall = renderCall;

  // ---- notes: mine in the text area (restored at load), the others' read-only
  const saver = D.noteSaver({
    saved: (note) => {
      if (session.call && note.callId === session.call.call_id) {
        setText("#desk-note-status", `Enregistré à ${D.clock(new Date())}`);
      }
    },
    failed: (note, reply) => setText("#desk-note-status", D.failure(reply, "Note non enregistrée")),
  });
  D.saver = saver;

  function renderNotes(notes, fresh) {
    const area = $("#desk-note");
    area.disabled = false;
    const mine = notes.filter((n) => n.author === me.username);
    if (fresh && !saver.waiting()) {
      area.value = mine.length ? mine[mine.length - 1].text : "";
      setText("#desk-note-status", mine.length ? `Enregistré à ${D.clock(new Date(mine[mine.length - 1].updated_at
        || mine[mine.length - 1].created_at))}` : "");
    }
    const others = notes.filter((n) => n.author !== me.username);
    $("#desk-other-notes").replaceChildren(...others.map(D.noteItem));
    $("#desk-other-notes").hidden = $("#desk-other-notes-title").hidden = others.length === 0;
  }

  $("#desk-note").addEventListener("input", (event) => {
    if (!session.call) return;
    setText("#desk-note-status", "Modifications en cours…");
    saver.changed(session.call.call_id, event.target.value);
  });
  window.addEventListener("pagehide", () => saver.flush());

  // ---- the reason chosen during the call (one of the theme or the list)
  function fill(select, items, valueOf, labelOf) {
    const keep = select.value;
    select.replaceChildren(el("option", { value: "", text: "—" }),
      ...items.map((item) => el("option", { value: valueOf(item), text: labelOf(item) })));
    select.value = keep;
  }

  function prefillReason(reason) {
    $("#desk-reason-theme").value = reason && reason.kind === "theme" ? reason.code : "";
    $("#desk-reason-list").value = reason && reason.kind === "list" ? reason.code : "";
  }

  async function chooseReason(event) {
    const select = event.target;
    if (!session.call) return;
    const other = select.dataset.kind === "theme" ? $("#desk-reason-list") : $("#desk-reason-theme");
    if (!select.value) return;
    other.value = "";
    const reason = { kind: select.dataset.kind, code: select.value };
    const reply = await D.call("PUT", D.callUrl(session.call.call_id, "reason"),
                               { reason_kind: reason.kind, reason_code: reason.code });
    if (!reply.ok) { D.say($("#desk-reason-status"), D.failure(reply, "Motif non enregistré"), "error"); return; }
    session.reason = reason;
    D.say($("#desk-reason-status"), `Motif enregistré : ${select.selectedOptions[0].textContent}.`);
  }
  for (const select of document.querySelectorAll(".desk-reason-select")) select.addEventListener("change", chooseReason);

  async function loadReasons() {
    const reply = await D.call("GET", "/api/desk/reasons");
    if (!reply.ok) { D.say(message, D.failure(reply, "Motifs indisponibles"), "error"); return; }
    reasons = reply.data;
    D.reasons = reasons;
    fill($("#desk-pause-reason"), reasons.pause.filter((r) => r.code !== "telephone"), (r) => r.code, (r) => r.label);
    for (const selector of ["#desk-reason-theme", "#desk-wrapup-theme"]) {
      fill($(selector), reasons.themes, (t) => String(t.id), (t) => t.title);
    }
    for (const selector of ["#desk-reason-list", "#desk-wrapup-list"]) {
      fill($(selector), reasons.wrapup, (r) => r.code, (r) => r.label);
    }
    if (session.call) prefillReason(session.reason);
  }

  // ---- live: the stream, and a full reload of what the page shows at every (re)connection
  async function reload() {
    const reply = await D.call("GET", "/api/desk/state");
    if (!reply.ok) { D.say(message, D.failure(reply, "État du poste indisponible"), "error"); return; }
    const { state: mine, call, wrapup } = reply.data;
    renderState(mine);
    let context = call;
    if (!context && wrapup && wrapup.call_id) {
      const fetched = await D.call("GET", D.callUrl(wrapup.call_id));
      context = fetched.ok ? fetched.data : null;
    }
    if (context) {
      if (wrapup && wrapup.reason_kind && wrapup.reason_code) {
        context = { ...context, reason: { kind: wrapup.reason_kind, code: wrapup.reason_code } };
      }
      renderCall(context, { announce: false });
    } else if (!wrapup) {
      clearCall();
    }
    if (wrapup && wrapup.call_id) D.showWrapup(wrapup);
    else if (!(mine && mine.wrapup)) D.showWrapup(null);
  }

  const start = () => D.stream("/api/desk/stream", {
    state: (data, receivedAt) => { renderState(data); D.measured("state", receivedAt, data); },
    pop: (data, receivedAt) => {
      renderCall(data, { announce: true });
      D.measured("pop", receivedAt, data);
    },
    "call-ended": (data, receivedAt) => { D.callEnded(data); D.measured("call-ended", receivedAt, data); },
    notes: (data, receivedAt) => {
      if (session.call && data.call_id === session.call.call_id) renderNotes(data.notes || [], false);
      D.measured("notes", receivedAt, data);
    },
    wrapup: (data, receivedAt) => { D.wrapupEvent(data); D.measured("wrapup", receivedAt, data); },
  }, {
    opened: () => {
      $("#desk-reconnecting").hidden = true;
      setText("#desk-live", "en direct");
      reload();
    },
    dropped: () => {
      $("#desk-reconnecting").hidden = false;
      setText("#desk-live", "connexion perdue");
    },
  });

  // ---- keyboard shortcuts: focus moves only when the adviser asks
  const SHORTCUTS = { n: "#desk-note", a: "#desk-call", w: "#desk-wrapup", k: "#kb-q" };
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const target = $(SHORTCUTS[event.key.toLowerCase()] || "#none");
    if (!target || target.hidden || target.disabled) return;
    event.preventDefault();
    target.focus();
  });

  loadReasons().then(start);  // the selects have their options before any state is drawn in them
})();
