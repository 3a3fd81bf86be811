// The desk's « Après l'appel » (desk_kit.js first): shown when the call ends (SSE `call-ended`, or the state's
// wrap-up after a reload), prefilled with the reason chosen during the call and the outcome of what happened
// (a transfer done: transferred; a body given: oriented), a countdown to the deadline, « Terminer » saves it and
// lifts the wrap-up pause.
(() => {
  const D = window.alloDesk;
  const { $, el, session } = D;
  const section = $("#desk-wrapup"), form = $("#desk-wrapup-form"), status = $("#desk-wrapup-status");
  let shown = null;  // {call_id, deadline}
  let touched = false;  // the adviser changed the form: a later prefill leaves it alone

  function remaining() { return shown && shown.deadline > 0 ? shown.deadline - Date.now() / 1000 : null; }

  function tick() {
    const left = remaining();
    const text = left === null ? "" : left > 0 ? `Temps restant : ${D.duration(left)}` : "Délai écoulé";
    $("#desk-wrapup-countdown").textContent = text;
    const inline = $("#desk-countdown");
    inline.textContent = text ? `(${text.toLowerCase()})` : "";
    inline.hidden = !text || $("#desk-state").dataset.state !== "wrapup";
  }
  setInterval(tick, 1000);

  const outcome = () => form.querySelector("input[name=outcome]:checked");
  function showLines() {
    const chosen = outcome() && outcome().value;
    $("#desk-wrapup-sector-line").hidden = chosen !== "transferred";
    $("#desk-wrapup-body-line").hidden = chosen !== "oriented";
  }

  function prefill(reason) {
    const sectors = D.sectors || [];
    const sectorSelect = $("#desk-wrapup-sector"), bodySelect = $("#desk-wrapup-body");
    const kept = [sectorSelect.value, bodySelect.value];  // a form drawn again keeps what was chosen in it
    sectorSelect.replaceChildren(el("option", { value: "", text: "—" }),
      ...sectors.map((s) => el("option", { value: s.sector, text: s.label })));
    const bodies = session.oriented;
    bodySelect.replaceChildren(el("option", { value: "", text: "—" }),
      ...bodies.map((b) => el("option", { value: b.id, text: b.name })));
    [sectorSelect.value, bodySelect.value] = kept;
    if (touched) return;
    const kind = reason && reason.kind;
    $("#desk-wrapup-theme").value = kind === "theme" ? reason.code : "";
    $("#desk-wrapup-list").value = kind === "list" ? reason.code : "";
    const value = session.transferredTo ? "transferred" : bodies.length ? "oriented" : "answered";
    form.querySelector(`input[name=outcome][value=${value}]`).checked = true;
    sectorSelect.value = session.transferredTo || "";
    $("#desk-wrapup-body").value = bodies.length ? bodies[bodies.length - 1].id : "";
    showLines();
  }

  function open(wrapup) {
    const again = shown && shown.call_id === wrapup.call_id;
    shown = { call_id: wrapup.call_id, deadline: Number(wrapup.deadline) || 0 };
    if (!again) { touched = false; D.say(status, ""); }
    $("#desk-wrapup-call").textContent = wrapup.call_id;
    const reason = session.reason || (wrapup.reason_kind ? { kind: wrapup.reason_kind, code: wrapup.reason_code }
      : null);
    prefill(reason);
    section.hidden = false;
    tick();
    if (!again) {
      $("#desk-announce").textContent = "Appel terminé : renseignez l'après-appel (Alt+W). " +
        ($("#desk-wrapup-countdown").textContent || "");
    }
  }

  // The form closed; the call's card goes too, unless a newer call has popped meanwhile.
  function close(text, kind) {
    const callId = shown && shown.call_id;
    shown = null;
    section.hidden = true;
    tick();
    if (text) D.say($("#desk-message"), text, kind);
    if (callId && session.call && session.call.call_id === callId) D.clearCall();
  }

  D.showWrapup = (wrapup) => {
    if (wrapup) open(wrapup);
    else if (shown) close();
  };

  // From each `state`: a wrap-up pause with a deadline opens the form; a wrap-up lifted after its deadline (the
  // reconciler) closes it. A pause of the adviser's own during the wrap-up leaves the form open.
  D.wrapupFromState = (state) => {
    const pause = state && state.wrapup;
    if (pause && pause.deadline > 0 && (!shown || shown.call_id !== pause.call_id || !shown.deadline)) {
      open(pause);
    } else if (!pause && shown && (remaining() ?? 1) <= 0) {
      close("Le délai d'après-appel est écoulé : l'appel est enregistré sans motif.", "error");
    }
  };

  D.callEnded = (data) => {
    if (session.call && session.call.call_id === data.call_id) {
      session.ended = true;
      document.dispatchEvent(new CustomEvent("desk:call", { detail: { fresh: false } }));
    }
    open({ call_id: data.call_id, deadline: data.wrapup_deadline });
  };

  D.wrapupEvent = (data) => {
    if (!shown || data.call_id !== shown.call_id) return;
    const finished = data.done_at || data.expired || ["done", "expired"].includes(data.status);
    if (!finished) return;
    close(data.expired || data.status === "expired" ? "Le délai d'après-appel est écoulé."
      : "Après-appel enregistré.", data.expired ? "error" : "ok");
  };

  for (const select of [$("#desk-wrapup-theme"), $("#desk-wrapup-list")]) {
    select.addEventListener("change", () => {
      touched = true;
      if (select.value) (select.id === "desk-wrapup-theme" ? $("#desk-wrapup-list") : $("#desk-wrapup-theme")).value = "";
    });
  }
  form.addEventListener("change", (event) => {
    if (event.target.name === "outcome") { touched = true; showLines(); }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!shown) return;
    const theme = $("#desk-wrapup-theme").value, listed = $("#desk-wrapup-list").value;
    const chosen = outcome();
    const missing = !theme && !listed ? "Choisissez un thème ou un motif." : !chosen ? "Choisissez l'issue de l'appel."
      : chosen.value === "transferred" && !$("#desk-wrapup-sector").value ? "Choisissez le secteur." : "";
    if (missing) { D.say(status, missing, "error"); return; }
    const body = { reason_kind: theme ? "theme" : "list", reason_code: theme || listed, outcome: chosen.value };
    if (chosen.value === "transferred") body.sector = $("#desk-wrapup-sector").value;
    if (chosen.value === "oriented" && $("#desk-wrapup-body").value) body.body_id = $("#desk-wrapup-body").value;
    await D.saver.flush();
    const reply = await D.call("POST", D.callUrl(shown.call_id, "wrapup"), body);
    if (!reply.ok) { D.say(status, D.failure(reply, "Après-appel non enregistré"), "error"); return; }
    close(`Après-appel enregistré à ${D.clock(new Date())}.`, "ok");
    $("#desk-call").focus();  // the button pressed is gone: focus goes back to the top of the call's part
  });
})();
