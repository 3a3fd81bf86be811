// The desk's reasons (desk_kit.js first): the lists ops maintain and the knowledge tree's themes from
// GET /api/desk/reasons in the pause and reason selects, and the reason of the call chosen during it (a theme or
// a reason of the list; PUT /api/desk/calls/{id}/reason), which the wrap-up takes up and level 2 reads.
(() => {
  const D = window.alloDesk;
  const { $, el, session } = D;

  function fill(select, items, valueOf, labelOf, { blank = true } = {}) {
    const keep = select.value;
    select.replaceChildren(...(blank ? [el("option", { value: "", text: "—" })] : []),
      ...items.map((item) => el("option", { value: valueOf(item), text: labelOf(item) })));
    if (keep) select.value = keep;
  }

  D.prefillReason = (reason) => {
    $("#desk-reason-theme").value = reason && reason.kind === "theme" ? reason.code : "";
    $("#desk-reason-list").value = reason && reason.kind === "list" ? reason.code : "";
  };

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
  for (const select of document.querySelectorAll(".desk-reason-select")) {
    select.addEventListener("change", chooseReason);
  }

  D.loadReasons = async () => {
    const reply = await D.call("GET", "/api/desk/reasons");
    if (!reply.ok) { D.say($("#desk-message"), D.failure(reply, "Motifs indisponibles"), "error"); return; }
    const reasons = reply.data;
    D.reasons = reasons;
    // `telephone` is *13's own reason: listed for its label, not chosen on the desk.
    fill($("#desk-pause-reason"), reasons.pause.filter((r) => r.code !== "telephone"), (r) => r.code, (r) => r.label,
         { blank: false });
    for (const selector of ["#desk-reason-theme", "#desk-wrapup-theme"]) {
      fill($(selector), reasons.themes, (t) => String(t.id), (t) => t.title);
    }
    for (const selector of ["#desk-reason-list", "#desk-wrapup-list"]) {
      fill($(selector), reasons.wrapup, (r) => r.code, (r) => r.label);
    }
    if (session.call) D.prefillReason(session.reason);
  };
})();
