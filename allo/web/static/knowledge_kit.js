// Shared by the knowledge pages (knowledge.js, knowledge_sheet.js): DOM building, requests where only the newest
// answer may write, French error messages, a directory body drawn. Every text from the server goes in with
// textContent (never as HTML).
window.alloKb = (() => {
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

  return { $, $$, DEBOUNCE_MS, RESOLVED_BY, el, latestOnly, debounce, failure, bodyCard };
})();
