// The adviser's desk (/desk, docs/desk.md): my state and its buttons, the call's card (screen-pop), my notes saved
// as typed, and the live stream that feeds them (desk_kit.js first; the reasons are desk_reason.js', the wrap-up
// desk_wrapup.js', the transfer, help and knowledge panel desk_side.js', the written confirmation desk_confirm.js').
// Focus never moves by itself: a call arriving is announced (aria-live), and Alt+N / Alt+A / Alt+W / Alt+K / Alt+C
// take the adviser where they want to go.
(() => {
  const D = window.alloDesk;
  const { $, el, me, labels, session } = D;
  const message = $("#desk-message");

  // ---- my state
  function renderState(data) {
    const shown = D.stateOf(data);
    const label = $("#desk-state");
    label.textContent = shown.text;
    label.dataset.state = shown.key;
    $("#desk-queues").textContent = data && data.queues && data.queues.length ? data.queues.join(", ") : "–";
    const unreachable = Boolean(data && data.logged_in && data.device === "unavailable");
    $("#desk-device").hidden = !unreachable;
    const can = D.allowed(data);
    const had = document.activeElement;
    for (const action of ["login", "pause", "resume", "logout"]) $(`#desk-${action}`).disabled = !can[action];
    $("#desk-pause-reason").disabled = !can.pause;
    // The button just pressed is disabled now: the focus goes to the next action rather than to the page's top.
    if (had && had.disabled && had.closest(".desk-actions")) {
      const next = ["resume", "pause", "login", "logout"].find((action) => can[action]);
      if (next) $(`#desk-${next}`).focus();
    }
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
  document.addEventListener("desk:call", () => {
    $("#desk-call-title").textContent = session.call && session.ended ? "Appel terminé" : "Appel en cours";
  });

  // ---- the call's card
  function setText(selector, text) { $(selector).textContent = text ?? ""; }

  function renderCall(pop, { announce }) {
    const card = $("#desk-call");
    const fresh = card.dataset.callId !== pop.call_id;
    card.dataset.callId = pop.call_id;
    session.call = pop;
    session.ended = Boolean(pop.ended);  // a reload after the end: the card stays for the wrap-up
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
    const keys = Array.isArray(path.keys) ? path.keys.join(" ") : path.keys;
    setText("#desk-path-keys", keys || "aucune");
    setText("#desk-path-sector", path.sector || pop.sector || "–");
    $("#desk-path-steps").replaceChildren(...(path.steps || []).map((step) => el("li", { text: step })));
    $("#desk-call-error").hidden = !pop.error;  // the context could not be read in time: said, not hidden
    setText("#desk-call-error", pop.error || "");

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
    const shownAbove = new Set((transfer ? transfer.notes || [] : []).map((n) => n.id));
    renderNotes((pop.notes || []).filter((n) => !shownAbove.has(n.id) || n.author === me.username), fresh);
    D.prefillReason(session.reason);
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

  // My note is taken from the server until I type in this call's text area (a pop replayed at connection may
  // carry older notes than the reload that follows it); after that, only what I type counts.
  let typedFor = null;
  function renderNotes(notes, fresh) {
    const area = $("#desk-note");
    area.disabled = false;
    const callId = session.call && session.call.call_id;
    const mine = notes.filter((n) => n.author === me.username);
    const last = mine[mine.length - 1];
    if (typedFor !== callId && !saver.waiting() && (fresh || last)) {
      area.value = last ? last.text : "";
      setText("#desk-note-status", last ? `Enregistré à ${D.clock(new Date(last.updated_at || last.created_at))}`
        : "");
    }
    const others = notes.filter((n) => n.author !== me.username);
    $("#desk-other-notes").replaceChildren(...others.map(D.noteItem));
    $("#desk-other-notes").hidden = $("#desk-other-notes-title").hidden = others.length === 0;
  }

  $("#desk-note").addEventListener("input", (event) => {
    if (!session.call) return;
    typedFor = session.call.call_id;
    setText("#desk-note-status", "Modifications en cours…");
    saver.changed(session.call.call_id, event.target.value);
  });
  window.addEventListener("pagehide", () => saver.flush());

  // ---- live: the stream, and a full reload of what the page shows at every (re)connection
  // A live event handled while the reload's requests were on their way is newer than their answers: drawing them
  // then would undo it (a call that ended during the reload came back, then its card and confirmation panel went
  // when the stale "no wrap-up yet" closed the form). The reload then asks again.
  let liveEvents = 0;
  const live = (handler) => (data, receivedAt) => { liveEvents += 1; handler(data, receivedAt); };

  async function reload() {
    for (let attempt = 1; ; attempt += 1) {
      const seen = liveEvents;
      const fetched = await fetchReload();
      if (!fetched) return;
      if (seen === liveEvents || attempt >= 5) { drawReload(fetched); return; }
    }
  }

  async function fetchReload() {
    const reply = await D.call("GET", "/api/desk/state");
    if (!reply.ok) { D.say(message, D.failure(reply, "État du poste indisponible"), "error"); return null; }
    const { call, wrapup } = reply.data;
    // The notes are read again from the call itself: the state's cached pop may predate what was typed since.
    const callId = call ? call.call_id : wrapup && wrapup.call_id;
    const fetched = callId ? await D.call("GET", D.callUrl(callId)) : null;
    return { ...reply.data, fetched };
  }

  function drawReload({ state: mine, call, wrapup, fetched }) {
    renderState(mine);
    let context = call;
    if (fetched && fetched.ok) context = context ? { ...context, notes: fetched.data.notes || [] } : fetched.data;
    if (context) {
      if (wrapup && wrapup.reason_kind && wrapup.reason_code) {
        context = { ...context, reason: { kind: wrapup.reason_kind, code: wrapup.reason_code } };
      }
      renderCall(context, { announce: false });
    } else if (!wrapup) {
      clearCall();
    }
    // The state's wrap-up (deadline 0 while the call goes on) was drawn by renderState; none: nothing to finish.
    if (!(wrapup && wrapup.deadline > 0)) D.showWrapup(null);
  }

  const start = () => D.stream("/api/desk/stream", {
    state: live((data, receivedAt) => { renderState(data); D.measured("state", receivedAt, data); }),
    pop: live((data, receivedAt) => {
      renderCall(data, { announce: true });
      D.measured("pop", receivedAt, data);
    }),
    "call-ended": live((data, receivedAt) => { D.callEnded(data); D.measured("call-ended", receivedAt, data); }),
    notes: (data, receivedAt) => {
      if (session.call && data.call_id === session.call.call_id) renderNotes(data.notes || [], false);
      D.measured("notes", receivedAt, data);
    },
    wrapup: live((data, receivedAt) => { D.wrapupEvent(data); D.measured("wrapup", receivedAt, data); }),
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
  const SHORTCUTS = { n: "#desk-note", a: "#desk-call", w: "#desk-wrapup", k: "#kb-q", c: "#desk-confirm-address" };
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const target = $(SHORTCUTS[event.key.toLowerCase()] || "#none");
    if (!target || target.closest("[hidden]") || target.disabled) return;
    event.preventDefault();
    target.focus();
  });

  D.loadReasons().then(start);  // the selects have their options before any state is drawn in them
})();
