// /connaissances: the answer sheets searched as you type, and the directory (knowledge_kit.js first). The same
// searches sit in the desk's side panel (templates/knowledge_search.html): there a form marked data-open="tab"
// opens sheets in a new tab, and each result drawn is announced with a `kb:drawn` event ({kind: "sheet"|"body",
// item, node}) so the embedding page can add its own buttons to it.
(() => {
  const { $, $$, DEBOUNCE_MS, el, latestOnly, debounce, failure, bodyCard } = window.alloKb;
  const drawn = (list, kind, item, node) =>
    list.dispatchEvent(new CustomEvent("kb:drawn", { bubbles: true, detail: { kind, item, node } }));

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
    const newTab = $("#kb-search-form").dataset.open === "tab";
    let shownFor = null;

    function draw(results) {
      list.replaceChildren(...results.map((hit) => {
        const badge = escalationText(hit.escalation);
        const link = el("a", { class: "hit", href: `/connaissances/fiches/${encodeURIComponent(hit.id)}`,
                               "data-id": hit.id, ...(newTab ? { target: "_blank", rel: "noopener" } : {}) },
          el("span", { class: "hit-title", text: hit.title }),
          hit.retired ? el("span", { class: "badge badge-retired", text: "Retirée" }) : null,
          badge ? el("span", { class: `badge badge-${hit.escalation.target}`, text: badge }) : null);
        const audience = (hit.audience || []).join(", ");
        return el("li", { "data-id": hit.id }, link,
          hit.summary ? el("p", { class: "hit-summary", text: hit.summary }) : null,
          el("p", { class: "muted hit-meta", text: [hit.theme, audience].filter(Boolean).join(" · ") }));
      }));
      results.forEach((hit, at) => drawn(list, "sheet", hit, list.children[at]));
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
      if (!first || list.dataset.query !== field.value.trim()) return;
      if (newTab) window.open(first.href, "_blank", "noopener");
      else window.location.assign(first.href);
    });
    listKeys(list, field);
    if (field.value.trim()) search();
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
      results.forEach((body, at) => drawn(list, "body", body, list.children[at]));
      const where = reply.data.commune ? ` à ${reply.data.commune.name} (${reply.data.commune.insee})`
        : params.commune ? ` (commune « ${params.commune} » non reconnue)` : "";
      status.textContent = reply.data.message ? reply.data.message
        : results.length === 0 ? `Aucun organisme trouvé${where}.`
        : `${results.length} organisme${results.length > 1 ? "s" : ""}${where}.`;
    }

    const later = debounce(search, DEBOUNCE_MS);
    field.addEventListener("input", later);
    commune.addEventListener("input", later);
    openNow.addEventListener("change", search);
    $("#dir-search-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  }

  sheetSearch();
  directorySearch();
})();
