// /connaissances/fiches/{id}: the case tabs and « où s'adresser » for a typed commune (knowledge_kit.js first).
(() => {
  const { $, $$, RESOLVED_BY, el, latestOnly, failure, bodyCard } = window.alloKb;

  // ---- /connaissances/fiches/{id}: the case tabs (arrow keys move and select, as the ARIA tabs pattern)
  function tabs() {
    for (const group of $$("[data-tabs]")) {
      const tabList = $("[role=tablist]", group);
      const all = $$("[role=tab]", tabList);
      const select = (tab) => {
        for (const other of all) {
          const chosen = other === tab;
          other.setAttribute("aria-selected", chosen ? "true" : "false");
          other.tabIndex = chosen ? 0 : -1;
          document.getElementById(other.getAttribute("aria-controls")).hidden = !chosen;
        }
        tab.focus();
      };
      tabList.addEventListener("click", (event) => {
        const tab = event.target.closest("[role=tab]");
        if (tab) select(tab);
      });
      tabList.addEventListener("keydown", (event) => {
        const at = all.indexOf(document.activeElement);
        if (at < 0) return;
        const moves = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1,
                        Home: 0, End: all.length - 1 };
        if (!(event.key in moves)) return;
        event.preventDefault();
        select(all[(moves[event.key] + all.length) % all.length]);
      });
    }
  }

  // The local office's summary has no opening state: the body's own page says whether it is open now.
  async function openState(container, office) {
    if (!office.id || office.open_now !== undefined) return;
    let detail = null;
    try {
      const response = await fetch(`/api/directory/bodies/${encodeURIComponent(office.id)}`,
                                   { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) detail = await response.json();
    } catch (_) { return; }
    const card = container.querySelector(".body");
    if (!detail || !card || card.dataset.bodyId !== office.id) return;  // the adviser has asked again since
    const drawn = bodyCard({ ...office, open_now: detail.open_now, opening_status: detail.opening_status },
                           card.querySelector(".kb-how"));
    card.replaceWith(drawn);
  }

  function whereLookup() {
    const form = $("#kb-commune-form");
    if (!form) return;
    const field = $("#kb-commune"), status = $("#kb-commune-status");
    const sheet = form.dataset.sheet;

    async function fill(box, pivot, commune) {
      box.replaceChildren(el("p", { class: "muted", text: "Recherche…" }));
      const reply = await box.ask(`/api/directory/local?${new URLSearchParams({ pivot, commune })}`);
      if (reply === null) return;
      if (!reply.ok) { box.replaceChildren(el("p", { class: "error", text: failure(reply) })); return; }
      const found = reply.data || {};
      const office = found.office || found.body;
      if (!office) {
        box.replaceChildren(el("p", { class: "kb-none", text: found.reason ||
          "Aucun organisme de ce type dans l'annuaire pour cette commune, ni dans son département, ni au niveau national." }));
        box.dataset.resolvedBy = "";
        return;
      }
      const how = RESOLVED_BY[found.resolved_by] || "";
      box.dataset.resolvedBy = found.resolved_by || "";
      box.replaceChildren(bodyCard(office, el("p", { class: "kb-how muted",
        text: [how ? `(${how})` : "", found.resolved_by === "commune" ? "" : found.reason || ""].filter(Boolean).join(" ") })));
      await openState(box, office);
    }

    async function banner(commune) {
      const target = $("#kb-banner-body");
      if (!target) return;
      const reply = await target.ask(`/api/knowledge/escalation?${new URLSearchParams({ sheet, commune })}`);
      if (reply === null || !reply.ok || !reply.data || !reply.data.escalation) return;
      const found = reply.data.escalation;
      const how = RESOLVED_BY[found.resolved_by] || "";
      const note = [how ? `(${how})` : "", found.resolved_by === "commune" ? "" : found.reason || ""]
        .filter(Boolean).join(" ");
      target.replaceChildren(found.body ? bodyCard(found.body, note ? el("p", { class: "kb-how muted", text: note }) : null)
        : el("p", { class: "kb-none", text: found.reason || "Aucun organisme trouvé pour cette commune." }));
      if (found.body) await openState(target, found.body);
    }

    const boxes = $$(".kb-local[data-pivot]");
    for (const box of boxes) box.ask = latestOnly();
    if ($("#kb-banner-body")) $("#kb-banner-body").ask = latestOnly();

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const commune = field.value.trim();
      if (!commune) { status.textContent = "Saisissez une commune, un code postal ou un code INSEE."; field.focus(); return; }
      status.textContent = `Recherche des organismes pour « ${commune} »…`;
      await Promise.all([...boxes.map((box) => fill(box, box.dataset.pivot, commune)), banner(commune)]);
      if (field.value.trim() === commune) status.textContent = `Organismes pour « ${commune} » affichés ci-dessous.`;
    });
  }

  // « Signaler une difficulté »: the flag goes to ops (/ops/flags); the status line says what happened, in French.
  function flagForm() {
    const form = $("#kb-flag-form");
    if (!form) return;
    const field = $("#kb-flag-text");
    const status = $("#kb-flag-status");
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = field.value.trim();
      status.className = "error";
      if (text.length < 3 || text.length > 1000) {
        status.textContent = "Décrivez la difficulté en 3 à 1000 caractères.";
        field.setAttribute("aria-invalid", "true");
        field.focus();
        return;
      }
      field.removeAttribute("aria-invalid");
      button.disabled = true;
      status.className = "muted";
      status.textContent = "Envoi du signalement…";
      const reply = await allo.send("POST", "/api/knowledge/flags", { sheet_id: form.dataset.sheet, text });
      button.disabled = false;
      if (reply.ok) {
        status.className = "ok";
        status.textContent = "Signalement envoyé, merci : l'équipe d'exploitation le verra.";
        field.value = "";
        return;
      }
      const detail = reply.data && reply.data.detail;
      status.className = "error";
      status.textContent = typeof detail === "string" ? detail
        : `Le signalement n'a pas pu être envoyé (erreur ${reply.status}) ; réessayez.`;
      field.focus();
    });
  }

  tabs();
  whereLookup();
  flagForm();
})();
