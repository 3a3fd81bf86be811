// The adviser's knowledge pages: sheets searched as you type, the directory, case tabs and « où s'adresser » for a
// typed commune. Every text from the server goes in with textContent (never as HTML).
(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const DEBOUNCE_MS = 200;
  const RESOLVED_BY = { commune: "trouvé pour la commune", department: "trouvé dans le département",
                        national: "service national" };

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("data-") || key.startsWith("aria-") || key === "role") node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  // Only the newest request may write: an older answer arriving late is dropped (and its fetch aborted).
  function latestOnly() {
    let controller = null;
    return async (url) => {
      if (controller) controller.abort();
      const mine = new AbortController();
      controller = mine;
      try {
        const response = await fetch(url, { credentials: "same-origin", signal: mine.signal,
                                            headers: { Accept: "application/json" } });
        let data = null;
        try { data = await response.json(); } catch (_) { data = null; }
        if (controller !== mine) return null;
        return { ok: response.ok, status: response.status, data };
      } catch (error) {
        if (mine.signal.aborted || controller !== mine) return null;
        return { ok: false, status: 0, data: null };
      }
    };
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  function failure(reply) {
    if (reply.status === 0) return "Le serveur ne répond pas : réessayez dans un instant.";
    if (reply.status === 401) return "Votre session a expiré : reconnectez-vous.";
    if (reply.status === 403) return "Votre compte n'a pas accès à cette recherche.";
    const detail = reply.data && reply.data.detail;
    const message = typeof detail === "string" ? detail : detail && detail.message;
    return message ? `Recherche impossible : ${message}` : `Recherche impossible (erreur ${reply.status}).`;
  }

  function escalationText(escalation) {
    if (!escalation) return "";
    if (escalation.target === "sector") return `À transférer : ${escalation.sector_label || escalation.sector}`;
    return `Orienter vers : ${escalation.pivot_label || escalation.pivot}`;
  }

  // Arrow keys move between the links of a results list; Escape goes back to the field.
  function listKeys(list, field) {
    list.addEventListener("keydown", (event) => {
      const links = $$("a.hit", list);
      const at = links.indexOf(document.activeElement);
      if (at < 0) return;
      let next = null;
      if (event.key === "ArrowDown") next = links[Math.min(at + 1, links.length - 1)];
      else if (event.key === "ArrowUp") next = at === 0 ? field : links[at - 1];
      else if (event.key === "Home") next = links[0];
      else if (event.key === "End") next = links[links.length - 1];
      else if (event.key === "Escape") next = field;
      if (next) { event.preventDefault(); next.focus(); }
    });
    field.addEventListener("keydown", (event) => {
      const first = $("a.hit", list);
      if (event.key === "ArrowDown" && first) { event.preventDefault(); first.focus(); }
    });
  }

  // ---- /connaissances: the sheets
  function sheetSearch() {
    const field = $("#kb-q"), list = $("#kb-results"), status = $("#kb-status");
    if (!field) return;
    const ask = latestOnly();
    let shownFor = null;

    function draw(results) {
      list.replaceChildren(...results.map((hit) => {
        const badge = escalationText(hit.escalation);
        const link = el("a", { class: "hit", href: `/connaissances/fiches/${encodeURIComponent(hit.id)}`,
                               "data-id": hit.id },
          el("span", { class: "hit-title", text: hit.title }),
          hit.retired ? el("span", { class: "badge badge-retired", text: "Retirée" }) : null,
          badge ? el("span", { class: `badge badge-${hit.escalation.target}`, text: badge }) : null);
        const audience = (hit.audience || []).join(", ");
        return el("li", { "data-id": hit.id }, link,
          hit.summary ? el("p", { class: "hit-summary", text: hit.summary }) : null,
          el("p", { class: "muted hit-meta", text: [hit.theme, audience].filter(Boolean).join(" · ") }));
      }));
    }

    async function search() {
      const q = field.value.trim();
      if (q === shownFor) return;
      if (!q) { shownFor = q; draw([]); status.textContent = ""; return; }
      status.textContent = "Recherche…";
      const reply = await ask(`/api/knowledge/search?${new URLSearchParams({ q, limit: "10" })}`);
      if (reply === null || field.value.trim() !== q) return;  // a newer query is on its way
      if (!reply.ok) { status.textContent = failure(reply); return; }
      shownFor = q;
      const results = reply.data.results || [];
      draw(results);
      list.dataset.query = q;
      status.textContent = results.length === 0 ? `Aucune fiche ne correspond à « ${q} ».`
        : `${results.length} fiche${results.length > 1 ? "s" : ""} pour « ${q} ». Flèche bas pour parcourir.`;
    }

    const later = debounce(search, DEBOUNCE_MS);
    field.addEventListener("input", later);
    $("#kb-search-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      await search();
      const first = $("a.hit", list);
      if (first && list.dataset.query === field.value.trim()) window.location.assign(first.href);
    });
    listKeys(list, field);
    if (field.value.trim()) search();
  }

  // ---- directory bodies (the search page and the sheet's « où s'adresser »)
  function addressText(address) {
    if (!address) return "";
    if (typeof address === "string") return address;
    if (Array.isArray(address)) {
      const physical = address.filter((a) => typeof a === "string" || a.kind === "physical");
      return addressText((physical.length ? physical : address)[0]);
    }
    const street = [address.complement1, address.street, address.complement2].filter(Boolean).join(", ");
    const town = [address.postal_code, address.commune].filter(Boolean).join(" ");
    return [street, town].filter(Boolean).join(", ");
  }

  function phoneText(phone) {
    if (typeof phone === "string") return phone;
    const number = phone.number || phone.valeur || "";
    const label = phone.label || phone.description || "";
    return label ? `${number} (${label})` : number;
  }

  const DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

  // An opening range of the directory ({first_day, last_day (0 = lundi), slots [[from, to]], comment}) in French.
  function hoursText(hours) {
    if (!hours) return "";
    if (typeof hours === "string") return hours;
    if (Array.isArray(hours)) return hours.map(hoursText).filter(Boolean).join(" ; ");
    if (Number.isInteger(hours.first_day)) {
      const first = DAYS[hours.first_day], last = DAYS[hours.last_day];
      const days = hours.first_day === hours.last_day ? `le ${first}` : `du ${first} au ${last}`;
      const clock = (text) => text.replace(/^0(\d)/, "$1").replace(":", " h ");  // "08:30" → "8 h 30"
      const slots = (hours.slots || []).map(([from, to]) => `${clock(from)}–${clock(to)}`);
      return [days, slots.join(" et "), hours.comment].filter(Boolean).join(" ");
    }
    return hours.text || hours.label || "";
  }

  function bodyCard(body, extra) {
    const open = body.open_now;
    const state = open === true ? el("span", { class: "badge badge-open", text: "Ouvert" })
      : open === false ? el("span", { class: "badge badge-closed", text: "Fermé" }) : null;
    const phones = (body.phones || []).map(phoneText).filter(Boolean);
    const hours = body.hours_text || hoursText(body.hours);
    const link = body.id ? el("span", { class: "body-name", text: body.name }) : el("span", { text: body.name });
    return el("div", { class: "body", "data-body-id": body.id || "" },
      el("p", {}, link, " ", state,
         body.opening_status ? el("span", { class: "muted body-status", text: ` ${body.opening_status}` }) : null),
      addressText(body.address || body.addresses) ? el("p", { class: "body-address", text: addressText(body.address || body.addresses) }) : null,
      phones.length ? el("p", { class: "body-phones", text: `Tél. : ${phones.join(", ")}` }) : null,
      hours ? el("p", { class: "body-hours", text: `Horaires : ${hours}` }) : null,
      body.hours_comment ? el("p", { class: "muted", text: body.hours_comment }) : null,
      extra || null);
  }

  function directorySearch() {
    const field = $("#dir-q"), commune = $("#dir-commune"), openNow = $("#dir-open-now");
    const list = $("#dir-results"), status = $("#dir-status");
    if (!field) return;
    const ask = latestOnly();

    async function search() {
      const params = { q: field.value.trim(), commune: commune.value.trim() };
      if (!params.q && !params.commune) { list.replaceChildren(); status.textContent = ""; return; }
      const query = new URLSearchParams({ ...params, limit: "10" });
      if (openNow.checked) query.set("open_now", "true");
      status.textContent = "Recherche…";
      const reply = await ask(`/api/directory/search?${query}`);
      if (reply === null) return;
      if (!reply.ok) { status.textContent = failure(reply); return; }
      const results = reply.data.results || [];
      list.replaceChildren(...results.map((body) => el("li", { "data-id": body.id }, bodyCard(body))));
      const where = reply.data.commune ? ` à ${reply.data.commune.name} (${reply.data.commune.insee})`
        : params.commune ? ` (commune « ${params.commune} » non reconnue)` : "";
      status.textContent = results.length === 0 ? `Aucun organisme trouvé${where}.`
        : `${results.length} organisme${results.length > 1 ? "s" : ""}${where}.`;
    }

    const later = debounce(search, DEBOUNCE_MS);
    field.addEventListener("input", later);
    commune.addEventListener("input", later);
    openNow.addEventListener("change", search);
    $("#dir-search-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  }

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

  sheetSearch();
  directorySearch();
  tabs();
  whereLookup();
})();
