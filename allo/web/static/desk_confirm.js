// The desk's « Confirmation écrite » (desk_kit.js first; docs/desk.md, docs/after-call.md): shown from the pop until
// the wrap-up is saved. What will be sent: the bodies the caller was oriented to (call_orientations, checked) and
// the sheets joined with « Joindre à la confirmation » in the knowledge panel (checked); the address typed in the
// field goes to POST /api/desk/calls/{id}/confirmation and nowhere else: the field is emptied once it is accepted
// and no variable keeps it. The call's confirmations are listed with their state, read again every few seconds
// while one is still pending (polling: the backend pushes no event for them), changes announced in the status.
(() => {
  const D = window.alloDesk;
  const { $, el, session } = D;
  const section = $("#desk-confirm"), form = $("#desk-confirm-form"), field = $("#desk-confirm-address");
  const fieldError = $("#desk-confirm-error"), status = $("#desk-confirm-status");
  const items = $("#desk-confirm-items"), list = $("#desk-confirm-list");
  const POLL_MS = 3000;
  const ONLY_DURING_CALL = "Possible seulement pendant un appel ou son après-appel.";

  // The call the panel is for, and what it will send: id -> {name, checked}. `shown` = the confirmations read.
  let callId = null;
  let sheets = new Map(), bodies = new Map(), shown = new Map();
  let poll = null, generation = 0;

  const url = (action) => D.callUrl(callId, action);
  const two = (n) => String(n).padStart(2, "0");
  const hhmm = (value) => {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? "" : `${two(date.getHours())}:${two(date.getMinutes())}`;
  };

  // ---- what will be sent
  function drawItems() {
    const rows = [];
    for (const [kind, entries, word] of [["sheet", sheets, "Fiche"], ["body", bodies, "Organisme"]]) {
      for (const [id, entry] of entries) {
        const box = el("input", { type: "checkbox", id: `desk-confirm-${kind}-${id}`, value: id,
                                  "data-kind": kind, checked: entry.checked });
        rows.push(el("li", { "data-kind": kind, "data-id": id }, box, " ",
          el("label", { htmlFor: box.id, text: `${word} : ${entry.name}` })));
      }
    }
    const focused = items.contains(document.activeElement) ? document.activeElement.id : null;
    items.replaceChildren(...rows);
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();  // never lost
    $("#desk-confirm-empty").hidden = rows.length > 0;
  }
  items.addEventListener("change", (event) => {
    const box = event.target;
    const entry = (box.dataset.kind === "sheet" ? sheets : bodies).get(box.value);
    if (entry) entry.checked = box.checked;
    keepSheets();
  });

  // The sheets joined survive a reload of the page during the call (public data only: ids and titles).
  const storeKey = () => `allo-desk-confirm-sheets:${callId}`;
  function keepSheets() {
    try { sessionStorage.setItem(storeKey(), JSON.stringify([...sheets])); } catch (_) { /* private mode */ }
  }
  function restoreSheets() {
    try {
      const kept = JSON.parse(sessionStorage.getItem(storeKey()) || "[]");
      if (Array.isArray(kept)) sheets = new Map(kept.filter((pair) => Array.isArray(pair) && pair.length === 2));
    } catch (_) { sheets = new Map(); }
  }

  function addBody(id, name) {
    if (!bodies.has(id)) bodies.set(id, { name, checked: true });
    drawItems();
  }

  // ---- the call's confirmations and their state
  // The server's words (« envoyée à HH:MM » in Paris time); the browser's clock only if it gave none.
  function stateText(row) {
    const label = row.status_label || "";
    if (row.status === "sent") {
      return label.startsWith("envoyée") ? label : row.sent_at ? `envoyée à ${hhmm(row.sent_at)}` : "envoyée";
    }
    if (row.status === "abandoned") return row.reason ? `non envoyée (${row.reason})` : "non envoyée";
    return "en attente d'envoi";
  }

  function drawList(rows) {
    list.replaceChildren(...rows.map((row) => {
      const what = [...(row.sheets || []), ...(row.bodies || [])].join(", ");
      return el("li", { "data-confirmation-id": String(row.id), "data-status": row.status },
        el("span", { class: "desk-confirm-when", text: row.created_at ? `${hhmm(row.created_at)} · ` : "" }),
        el("span", { class: "desk-confirm-what", text: what }), " — ",
        el("strong", { class: "desk-confirm-state", text: stateText(row) }));
    }));
    list.hidden = $("#desk-confirm-sent-title").hidden = rows.length === 0;
  }

  // A state that changed since the last reading is said once in the status (polite live region).
  function announceChanges(rows) {
    const said = [];
    for (const row of rows) {
      const before = shown.get(row.id);
      if (before && before !== row.status && row.status !== "pending") said.push(`Confirmation ${stateText(row)}.`);
      shown.set(row.id, row.status);
    }
    if (said.length) D.say(status, said.join(" "), rows.some((r) => r.status === "abandoned") ? "error" : "ok");
  }

  async function refresh() {
    clearTimeout(poll);
    poll = null;
    if (!callId) return;
    const mine = generation;
    const reply = await D.call("GET", url("confirmations"));
    if (mine !== generation) return;  // another call meanwhile
    if (reply.ok && Array.isArray(reply.data)) {
      announceChanges(reply.data);
      drawList(reply.data);
    }
    // Read again while one is pending (or the reading failed): the worker sends it in the background.
    if (!reply.ok || reply.data.some((row) => row.status === "pending")) poll = setTimeout(refresh, POLL_MS);
  }

  async function loadOrientations() {
    const mine = generation;
    const reply = await D.call("GET", url("orientations"));
    if (mine !== generation || !reply.ok || !Array.isArray(reply.data)) return;
    for (const row of reply.data) {
      addBody(row.body_id, row.body_name || row.body_id);
      if (!session.oriented.some((b) => b.id === row.body_id)) {
        session.oriented.push({ id: row.body_id, name: row.body_name || row.body_id });
      }
    }
  }

  // ---- the address: the server's French error beside the field
  function showFieldError(text) {
    fieldError.textContent = text;
    field.setAttribute("aria-invalid", "true");
    field.focus();
  }
  function clearFieldError() {
    fieldError.textContent = "";
    field.removeAttribute("aria-invalid");
  }
  const addressRefused = (reply) => {
    const detail = reply.data && reply.data.detail;
    if (typeof detail === "string") return detail.startsWith("Adresse e-mail invalide") ? detail : null;
    if (Array.isArray(detail) && detail.some((d) => (d.loc || []).includes("address"))) {
      return "Adresse e-mail invalide.";
    }
    return null;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!callId) { D.say(status, ONLY_DURING_CALL, "error"); return; }
    if (!field.value.trim()) { showFieldError("Saisissez l'adresse e-mail de l'usager."); return; }
    const checked = (map) => [...map].filter(([, entry]) => entry.checked).map(([id]) => id);
    const body = { address: field.value.trim(), sheets: checked(sheets), bodies: checked(bodies) };
    if (!body.sheets.length && !body.bodies.length) {
      D.say(status, "Cochez au moins une fiche ou un organisme à envoyer.", "error");
      return;
    }
    const button = $("#desk-confirm-send");
    button.setAttribute("aria-busy", "true");
    const reply = await D.call("POST", url("confirmation"), body);
    button.removeAttribute("aria-busy");
    if (!reply.ok) {
      const refused = reply.status === 422 && addressRefused(reply);
      if (refused) { showFieldError(refused); D.say(status, ""); return; }
      D.say(status, D.failure(reply, "Confirmation non envoyée"), "error");
      return;
    }
    field.value = "";  // the address is not kept in the page
    clearFieldError();
    shown.set(reply.data.id, reply.data.status);
    D.say(status, `Confirmation enregistrée à ${D.clock(new Date())} : ${stateText(reply.data)}.`, "ok");
    refresh();
  });

  // ---- « Joindre à la confirmation » on each sheet of the knowledge panel
  document.addEventListener("kb:drawn", (event) => {
    const { kind, item, node } = event.detail;
    if (kind !== "sheet" || !item.id) return;
    const note = el("span", { class: "desk-join-status", role: "status" });
    const button = el("button", { type: "button", class: "desk-join", "data-sheet-id": item.id },
      "Joindre à la confirmation", el("span", { class: "visually-hidden", text: ` : « ${item.title} »` }));
    button.addEventListener("click", () => {
      if (!callId) { D.say(note, ONLY_DURING_CALL, "error"); return; }
      const already = sheets.has(item.id);
      if (!already) sheets.set(item.id, { name: item.title || item.id, checked: true });
      else sheets.get(item.id).checked = true;
      keepSheets();
      drawItems();
      D.say(note, already ? "Fiche déjà jointe à la confirmation." : "Fiche jointe à la confirmation.", "ok");
    });
    node.append(el("p", { class: "desk-kb-actions" }, button, " ", note));
  });

  // A body given with « Orienter » (desk_side.js) is checked at once.
  document.addEventListener("desk:oriented", (event) => {
    if (callId && event.detail.call_id === callId) addBody(event.detail.id, event.detail.name);
  });

  // ---- the call shown: a new one starts an empty panel; none (wrap-up saved) hides it
  document.addEventListener("desk:call", () => {
    const current = session.call ? session.call.call_id : null;
    if (current === callId) return;
    generation += 1;
    clearTimeout(poll);
    poll = null;
    if (callId) { try { sessionStorage.removeItem(storeKey()); } catch (_) { /* private mode */ } }
    callId = current;
    sheets = new Map();
    if (callId) restoreSheets();
    bodies = new Map();
    shown = new Map();
    field.value = "";
    clearFieldError();
    D.say(status, "");
    drawItems();
    drawList([]);
    section.hidden = !callId;
    if (callId) { loadOrientations(); refresh(); }
  });
})();
