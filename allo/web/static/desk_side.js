// The desk's tools during a call (desk_kit.js first): the six sectors' transfer buttons (refreshed every 5 s and at
// each pop; the pending note saved before the transfer), the supervisor-help request, and the knowledge panel's
// « Orienter » on a body and « Signaler une difficulté » on a sheet (knowledge.js draws the results and announces
// each with a `kb:drawn` event). Buttons are updated in place, so a refresh never takes the focus away.
(() => {
  const D = window.alloDesk;
  const { $, el, session } = D;
  const list = $("#desk-sectors"), sectorStatus = $("#desk-sectors-status");
  D.sectors = [];

  const onCall = () => Boolean(session.call && !session.ended && !session.transferredTo);
  const NO_CALL = "Transfert possible seulement pendant un appel.";
  const HERE = "L'appel est déjà dans ce secteur.";
  const inThisSector = (s) => Boolean(onCall() && s.queue && session.call.queue === s.queue);

  function sectorText(s) {
    if (!s.open) return "fermé";
    const plural = s.available > 1 ? "s" : "";
    const parts = ["ouvert", `${s.available} conseiller${plural} disponible${plural}`];
    if (s.waiting) parts.push(`${s.waiting} en attente`);
    parts.push(s.wait_s === null || s.wait_s === undefined ? "attente non estimable"
      : s.wait_s === 0 ? "pas d'attente" : `attente estimée ${D.duration(s.wait_s)}`);
    return parts.join(" · ");
  }

  function sectorItem(sector) {
    const id = `desk-sector-${sector}`;
    let item = list.querySelector(`li[data-sector="${CSS.escape(sector)}"]`);
    if (item) return item;
    item = el("li", { "data-sector": sector },
      el("button", { type: "button", id, class: "desk-sector", "data-sector": sector,
                     "aria-describedby": `${id}-state ${id}-why` }),
      el("span", { id: `${id}-state`, class: "desk-sector-state" }),
      el("span", { id: `${id}-why`, class: "desk-sector-why" }));
    list.append(item);
    return item;
  }

  function renderSectors() {
    const present = new Set();
    for (const s of D.sectors) {
      present.add(s.sector);
      const item = sectorItem(s.sector);
      const [button, stateText, why] = item.children;
      button.textContent = s.label;
      stateText.textContent = sectorText(s);
      item.dataset.open = String(Boolean(s.open));
      const refused = inThisSector(s) ? HERE : s.refusal ? s.message || s.refusal : onCall() ? "" : NO_CALL;
      why.textContent = refused;
      // aria-disabled (not disabled): the button stays reachable with Tab, so its reason is read out.
      button.setAttribute("aria-disabled", refused ? "true" : "false");
    }
    for (const item of Array.from(list.children)) if (!present.has(item.dataset.sector)) item.remove();
  }

  async function refreshSectors() {
    const reply = await D.call("GET", "/api/desk/sectors");
    if (!reply.ok) { D.say(sectorStatus, D.failure(reply, "État des secteurs indisponible"), "error"); return; }
    D.sectors = reply.data;
    renderSectors();
  }

  async function transfer(button) {
    const sector = D.sectors.find((s) => s.sector === button.dataset.sector);
    if (button.getAttribute("aria-disabled") === "true" || !sector || !onCall()) {
      D.say(sectorStatus, `${button.textContent} : ${$(`#${button.id}-why`).textContent || NO_CALL}`, "error");
      return;
    }
    const callId = session.call.call_id;
    button.setAttribute("aria-busy", "true");
    D.say(sectorStatus, "Enregistrement des notes avant le transfert…");
    const saved = await D.saver.flush();
    if (!saved) {
      button.removeAttribute("aria-busy");
      D.say(sectorStatus, "Transfert annulé : vos notes ne sont pas enregistrées (voir sous les notes).", "error");
      return;
    }
    const reply = await D.call("POST", D.callUrl(callId, "transfer"), { sector: sector.sector });
    button.removeAttribute("aria-busy");
    if (!reply.ok) { D.say(sectorStatus, D.failure(reply, "Transfert refusé"), "error"); refreshSectors(); return; }
    session.transferredTo = sector.sector;
    D.say(sectorStatus, `Appel transféré à ${sector.label} avec vos notes.`, "ok");
    renderSectors();
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button.desk-sector");
    if (button) transfer(button);
  });
  document.addEventListener("desk:call", (event) => {
    if (event.detail.fresh && session.call) refreshSectors(); else renderSectors();
  });
  refreshSectors();
  setInterval(refreshSectors, 5000);

  // ---- supervisor help
  $("#desk-help-ask").addEventListener("click", async () => {
    const text = $("#desk-help-text").value.trim();
    const body = {};
    if (session.call) body.call_id = session.call.call_id;
    if (text) body.text = text;
    const reply = await D.call("POST", "/api/desk/help", body);
    if (!reply.ok) { D.say($("#desk-help-status"), D.failure(reply, "Demande non envoyée"), "error"); return; }
    $("#desk-help-text").value = "";
    D.say($("#desk-help-status"), `Demande envoyée aux superviseurs à ${D.clock(new Date())}.`, "ok");
  });

  // ---- the knowledge panel: « Orienter » on a body, « Signaler une difficulté » on a sheet
  function orientButton(body, node) {
    const status = el("span", { class: "desk-kb-status", role: "status" });
    const button = el("button", { type: "button", class: "desk-orient", "data-body-id": body.id },
      "Orienter", el("span", { class: "visually-hidden", text: ` vers ${body.name}` }));
    button.addEventListener("click", async () => {
      if (!session.call) { D.say(status, "Orientation possible seulement pendant un appel.", "error"); return; }
      const reply = await D.call("POST", D.callUrl(session.call.call_id, "orient"), { body_id: body.id });
      if (!reply.ok) { D.say(status, D.failure(reply, "Orientation non enregistrée"), "error"); return; }
      if (!session.oriented.some((b) => b.id === body.id)) session.oriented.push({ id: body.id, name: body.name });
      document.dispatchEvent(new CustomEvent("desk:oriented",
        { detail: { call_id: session.call.call_id, id: body.id, name: body.name } }));
      D.say(status, `Orientation enregistrée : ${body.name}.`, "ok");
    });
    node.append(el("p", { class: "desk-kb-actions" }, button, " ", status));
  }

  let flagForms = 0;
  function flagButton(sheet, node) {
    const formId = `desk-flag-${++flagForms}`;
    const toggle = el("button", { type: "button", class: "desk-flag", "aria-expanded": "false",
                                  "aria-controls": formId },
      "Signaler une difficulté", el("span", { class: "visually-hidden", text: ` sur « ${sheet.title} »` }));
    const text = el("textarea", { id: `${formId}-text`, rows: 2, maxLength: 1000, required: true });
    const status = el("p", { class: "desk-kb-status", role: "status" });
    const form = el("form", { id: formId, class: "desk-flag-form", hidden: true },
      el("label", { htmlFor: `${formId}-text`, text: "Quelle difficulté pose cette fiche ou cette démarche ?" }),
      text, el("p", {}, el("button", { type: "submit", text: "Envoyer le signalement" }), " ",
               el("button", { type: "button", class: "desk-flag-cancel", text: "Annuler" })));
    const show = (open) => {
      form.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      (open ? text : toggle).focus();
    };
    toggle.addEventListener("click", () => show(form.hidden));
    form.querySelector(".desk-flag-cancel").addEventListener("click", () => show(false));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const words = text.value.trim();
      if (!words) { D.say(status, "Décrivez la difficulté en quelques mots.", "error"); text.focus(); return; }
      const body = { sheet_id: sheet.id, text: words };
      if (session.call) body.call_id = session.call.call_id;
      const reply = await D.call("POST", "/api/knowledge/flags", body);
      if (!reply.ok) { D.say(status, D.failure(reply, "Signalement non envoyé"), "error"); return; }
      text.value = "";
      form.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
      D.say(status, "Signalement envoyé à l'exploitation. Merci.", "ok");
    });
    node.append(el("p", { class: "desk-kb-actions" }, toggle), form, status);
  }

  document.addEventListener("kb:drawn", (event) => {
    const { kind, item, node } = event.detail;
    if (kind === "body" && item.id) orientButton(item, node);
    else if (kind === "sheet") flagButton(item, node);
  });
})();
