// Supervisor dashboard: renders the document pushed by /api/dashboard/stream (Server-Sent Events).
(() => {
  const $ = (selector) => document.querySelector(selector);
  const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const duration = (seconds) => {
    if (seconds === null || seconds === undefined) return "–";
    const s = Math.floor(seconds);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? `${h}:${String(m).padStart(2, "0")}` : `${m}`) + `:${String(r).padStart(2, "0")}`;
  };
  const percent = (value) => (value === null || value === undefined ? "–" : `${value} %`);
  const rag = (colour) => (colour && colour !== "none" ? `rag-${colour}` : "");
  const STATES = { logged_out: "déconnecté", available: "disponible", ringing: "sonne", on_call: "en appel",
                   paused: "en pause", wrapup: "après-appel", busy: "occupé",
                   unavailable: "téléphone absent" };

  function staffingCell(s) {
    if (!s || s.needed === null || s.needed === undefined) {
      return `<td class="num needed-now" title="file fermée ou sans plan">– / ${s ? s.present : "–"}</td>`;
    }
    const label = `${s.needed} nécessaires (${s.slot}), ${s.present} présents${s.short ? ", sous-effectif" : ""}`;
    return `<td class="num needed-now ${s.short ? "rag-red" : ""}" aria-label="${esc(label)}" title="${esc(label)}">` +
      `${s.short ? "⚠ " : ""}${s.needed} / ${s.present}</td>`;
  }

  function queueRow(q) {
    const t = q.today, g = q.rag;
    const cell = (text, cls = "") => `<td class="num ${cls}">${text}</td>`;
    const answered = t ? t.answered : "–";
    const abandoned = t ? `${t.abandoned} (${t.short_abandoned})` : "–";
    const level1 = t && q.level === 1 ? `${t.solved} / ${t.escalated} (${percent(t.solved_pct)})`
      : t && t.transferred_in ? `${t.transferred_in} reçus de N1` : "–";
    return `<tr data-queue="${esc(q.name)}"><td title="${esc(q.label)}">${esc(q.name)}</td>` +
      cell(q.waiting, q.waiting ? "waiting" : "") +
      cell(duration(q.longest_wait_seconds), q.waiting ? rag(g.longest_wait) : "") +
      cell(q.agents.logged_in) + cell(q.agents.available) + cell(q.agents.on_call) + cell(q.agents.paused) +
      cell(answered) + cell(abandoned) +
      cell(`${percent(t && t.service_level_pct)} <small>/${q.targets.service_level_pct} % en ` +
           `${q.targets.service_level_seconds} s</small>`, rag(g.service_level)) +
      cell(t && t.asa_seconds !== null ? `${t.asa_seconds} s` : "–", rag(g.asa)) +
      cell(percent(t && t.abandon_rate_pct), rag(g.abandon_rate)) +
      cell(level1) + cell(t ? t.callbacks_pending : "–") +
      cell(t ? `${percent(t.callbacks_kept_pct)} <small>(${t.callbacks_kept}/${t.callbacks_measured})</small>` : "–",
           rag(g.callbacks_kept)) +
      cell(t ? `${percent(t.callbacks_reached_in_time_pct)} <small>(${t.callbacks_reached_in_time}/` +
           `${t.callbacks_measured})</small>` : "–") + staffingCell(q.staffing) + "</tr>";
  }

  function riskRows(risk) {
    const rows = risk.callbacks.map((c) => `<tr class="at-risk" data-queue="${esc(c.queue)}"><td>${esc(c.queue)}` +
      `</td><td>${esc(c.due_by)}</td><td class="num ${c.due_in_seconds < 0 ? "rag-red" : "rag-amber"}">` +
      `${c.due_in_seconds < 0 ? "dépassé de " + duration(-c.due_in_seconds) : duration(c.due_in_seconds)}` +
      `</td></tr>`);
    return rows.length ? rows.join("") : `<tr><td colspan="3" class="muted">Aucun rappel en danger.</td></tr>`;
  }

  function helpRows(help) {
    const rows = help.requests.map((r) => `<tr class="help-request" data-id="${r.id}" data-agent="${esc(r.agent)}">` +
      `<td>${esc(r.agent)}${r.name ? `<br><small class="muted">${esc(r.name)}</small>` : ""}</td>` +
      `<td>${esc(r.asked_at)} <small class="muted">(${duration(r.waiting_seconds)})</small></td>` +
      `<td>${r.call_id ? `<a href="/appels?call_id=${encodeURIComponent(r.call_id)}">${esc(r.call_id)}</a>` : "–"}` +
      `</td><td>${esc(r.text)}</td><td><button type="button" data-help="${r.id}" ` +
      `aria-label="Pris en charge : demande de ${esc(r.agent)}">Pris en charge</button></td></tr>`);
    return rows.length ? rows.join("") : `<tr><td colspan="5" class="muted">Aucune demande en cours.</td></tr>`;
  }

  // Rewritten only when it changed, and the focused button keeps the focus: the page re-renders every second.
  function renderHelp(help) {
    const body = $("#dash-help tbody");
    const html = helpRows(help);
    $("#dash-help-count").textContent = String(help.count);
    if (body.dataset.html === html) return;
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.help : undefined;
    body.innerHTML = html;
    body.dataset.html = html;
    const again = focused && body.querySelector(`button[data-help="${focused}"]`);
    if (again) again.focus();
  }

  function callerRows(queues) {
    const rows = [];
    for (const q of queues) {
      for (const c of q.callers) {
        rows.push(`<tr class="waiting-caller" data-uniqueid="${esc(c.uniqueid)}" data-queue="${esc(q.name)}">` +
          `<td>${esc(q.name)}</td><td class="num">${c.position}</td>` +
          `<td class="num">${duration(c.wait_seconds)}</td>` +
          `<td><a href="/appels?call_id=${encodeURIComponent(c.uniqueid)}">${esc(c.uniqueid)}</a>` +
          (c.node ? ` <small class="muted caller-node">nœud ${esc(c.node)}</small>` : "") + "</td></tr>");
      }
    }
    return rows.length ? rows.join("") : `<tr><td colspan="4" class="muted">Personne n'attend.</td></tr>`;
  }

  function agentRow(a) {
    const button = (action, label, enabled) =>
      `<button type="button" data-action="${action}" data-agent="${esc(a.agent)}"${enabled ? "" : " disabled"}>` +
      `${label}</button>`;
    const loggedIn = a.state !== "logged_out";
    const pause = a.paused ? `${esc(a.pause_reason)} · ${duration(a.paused_seconds)}` : "";
    const call = a.on_call ? `${duration(a.call_seconds)}${a.call_queue ? ` (${esc(a.call_queue)})` : ""}` : "";
    return `<tr data-agent="${esc(a.agent)}" data-state="${a.state}"><td>${esc(a.agent)}<br>` +
      `<small class="muted">${esc(a.name)}</small></td>` +
      `<td class="state-${a.state}">${STATES[a.state] || a.state}</td><td>${esc(a.queues.join(", "))}</td>` +
      `<td>${pause}</td><td class="num">${call}</td><td class="num">${a.calls_today}</td><td>` +
      (a.paused ? button("resume", "Reprendre", loggedIn) : button("pause", "Pause", loggedIn)) + " " +
      button("logout", "Déconnecter", loggedIn) + " " +
      button("spy-listen", "Écouter", a.on_call) + " " + button("spy-whisper", "Chuchoter", a.on_call) + " " +
      button("spy-barge", "Intervenir", a.on_call) + "</td></tr>";
  }

  function render(doc) {
    $("#dash-queues tbody").innerHTML = doc.queues.map(queueRow).join("");
    $("#dash-callers tbody").innerHTML = callerRows(doc.queues);
    const risk = doc.callbacks_at_risk || { count: 0, callbacks: [] };
    $("#dash-risk-count").textContent = String(risk.count);
    $("#dash-risk tbody").innerHTML = riskRows(risk);
    renderHelp(doc.help || { count: 0, requests: [] });
    $("#dash-agents tbody").innerHTML = doc.agents.map(agentRow).join("") ||
      `<tr><td colspan="7" class="muted">Aucun conseiller.</td></tr>`;
    $("#dash-updated").textContent = new Date(doc.generated_at * 1000).toLocaleTimeString("fr-FR");
    const today = doc.today;
    $("#dash-today").textContent = today.error ? today.error
      : today.refreshed_at ? new Date(today.refreshed_at * 1000).toLocaleTimeString("fr-FR") : "en cours";
    const alert = $("#dash-alert");
    const surge = doc.alerts && doc.alerts.access_code_surge;
    alert.hidden = !surge;
    alert.textContent = surge ? `Alerte : afflux de codes d'accès erronés (${doc.alerts.wrong_codes_last_minute} ` +
      "dans la dernière minute, tous appelants). Voir le journal d'audit." : "";
    for (const key of ["arrived", "waiting", "answered"]) {
      $(`#dash-relay-${key}`).textContent = doc.relay ? String(doc.relay[key]) : "–";
    }
    $("#dash-node-lost-count").textContent = doc.node_lost === null || doc.node_lost === undefined ? "–"
      : String(doc.node_lost);
    $("#dash-nodes").innerHTML = (doc.nodes || []).map((n) =>
      `<li data-node="${esc(n.name)}" data-state="${esc(n.state)}">Nœud ${esc(n.name)} : ${esc(n.label)}</li>`).join("");
    const live = $("#dash-live");
    live.textContent = doc.ami === "up" ? "en direct" : "Asterisk injoignable";
    live.classList.toggle("down", doc.ami !== "up");
    // Several nodes (docs/dashboard.md): another node's view that is old, or whose allo does not see its Asterisk,
    // is left out of the figures, and said.
    const stale = (doc.live_nodes || []).slice(1).filter((n) => !n.fresh || n.ami !== "up").map((n) =>
      `nœud ${esc(n.node)} : ${n.fresh ? "Asterisk injoignable" : "données anciennes"}`);
    const liveNodes = $("#dash-live-nodes");
    liveNodes.hidden = !stale.length;
    liveNodes.innerHTML = stale.join(" · ");
    document.body.dataset.generatedAt = String(doc.generated_at);
  }

  function say(text, ok) {
    const box = $("#dash-message");
    box.className = ok ? "ok" : "error";
    box.textContent = text;
  }

  async function act(action, agent) {
    const base = `/api/supervisor/agents/${encodeURIComponent(agent)}`;
    let reply;
    if (action.startsWith("spy-")) {
      reply = await allo.send("POST", `${base}/spy`, { mode: action.slice(4) });
    } else if (action === "pause") {
      reply = await allo.send("POST", `${base}/pause`, { reason: $("#dash-reason").value || "pause" });
    } else {
      reply = await allo.send("POST", `${base}/${action}`);
    }
    const detail = reply.data && reply.data.detail;
    if (reply.ok) {
      say(action.startsWith("spy-") ? `Votre poste ${reply.data.extension} sonne : décrochez pour rejoindre ` +
          `l'appel de ${agent}.` : `${agent} : ${action} effectué.`, true);
    } else {
      say(typeof detail === "string" ? detail : `Échec (${reply.status})`, false);
    }
  }

  async function takeHelp(button) {
    button.disabled = true;
    const reply = await allo.send("POST", `/api/supervisor/help/${button.dataset.help}/answer`);
    const detail = reply.data && reply.data.detail;
    const row = button.closest("tr");
    if (reply.ok || reply.status === 409) {
      say(reply.ok ? `Demande d'aide de ${row.dataset.agent} prise en charge.` : detail, reply.ok);
      row.remove();
      $("#dash-help-count").textContent = String($("#dash-help tbody").querySelectorAll("tr.help-request").length);
      $("#dash-help-title").focus();
    } else {
      button.disabled = false;
      say(typeof detail === "string" ? detail : `Échec (${reply.status})`, false);
    }
  }

  $("#dash-help").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-help]");
    if (button) takeHelp(button);
  });

  $("#dash-agents").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) act(button.dataset.action, button.dataset.agent);
  });

  render(JSON.parse($("#dashboard-initial").textContent));
  const source = new EventSource("/api/dashboard/stream");
  source.addEventListener("dashboard", (event) => render(JSON.parse(event.data)));
  source.addEventListener("error", () => {
    const live = $("#dash-live");
    live.classList.add("down");
    live.textContent = source.readyState === EventSource.CLOSED ? "déconnecté : rechargez la page"
      : "connexion perdue, reconnexion…";
  });
  window.dashboardSource = source;
})();
