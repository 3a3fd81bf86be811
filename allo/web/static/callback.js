// The public callback page: checks the number as the server does (acd/callbacks/phone.py), posts JSON to
// POST /api/callbacks and says every answer in French.
(() => {
  const $ = (selector) => document.querySelector(selector);
  const PHONE_MESSAGES = {
    empty: "Saisissez votre numéro de téléphone.",
    not_a_number: "Un numéro de téléphone ne contient que des chiffres, et éventuellement des espaces, points, " +
      "tirets ou un + au début.",
    short_number: "Les numéros courts ne peuvent pas être rappelés.",
    wrong_length: "Un numéro français compte 10 chiffres, par exemple 06 12 34 56 78.",
    foreign: "Nous ne rappelons que les numéros français.",
    premium: "Les numéros surtaxés ou à coût partagé (08…) ne peuvent pas être rappelés.",
    not_assigned: "Ce numéro n'est pas un numéro d'abonné français.",
  };
  const MESSAGES = {
    no_consent: "Cochez la case pour accepter d'être rappelé.",
    unknown_sector: "Ce thème n'existe pas : choisissez-en un dans la liste.",
    already_pending: "Un rappel vers ce numéro est déjà prévu : inutile de le demander à nouveau.",
    unavailable: "Le service de rappel est momentanément indisponible. Réessayez plus tard ou appelez le 3939.",
  };

  // The same rules as the server's normalise_phone; null when the number is acceptable.
  function phoneProblem(text) {
    if (!text.trim()) return "empty";
    if (text.length > 40) return "not_a_number";
    let compact = text.replace(/[\s.\-/()]/g, "");
    if (compact.startsWith("+")) {
      const rest = compact.slice(1);
      if (!/^\d+$/.test(rest)) return "not_a_number";
      if (!rest.startsWith("33")) return "foreign";
      compact = "0" + rest.slice(2).replace(/^0/, "");
    } else {
      if (!/^\d+$/.test(compact)) return "not_a_number";
      if (compact.startsWith("0033")) compact = "0" + compact.slice(4).replace(/^0/, "");
      else if (compact.startsWith("00")) return "foreign";
    }
    if (!compact.startsWith("0") && compact.length <= 6) return "short_number";
    if (compact.length !== 10) return "wrong_length";
    if (compact[1] === "0") return "not_assigned";
    if (compact[1] === "8" && compact[2] !== "0") return "premium";
    return null;
  }

  const phone = $("#callback-phone"), consent = $("#callback-consent"), errors = $("#callback-errors");

  function fieldError(input, box, message) {
    input.setAttribute("aria-invalid", message ? "true" : "false");
    $(box).textContent = message || "";
  }

  function show(messages, focus) {
    errors.textContent = messages.join(" ");
    if (focus) focus.focus();
  }

  function clear() {
    fieldError(phone, "#callback-phone-error", "");
    fieldError(consent, "#callback-consent-error", "");
    errors.textContent = "";
  }

  function dueText(iso) {
    const due = new Date(iso);
    const options = { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" };
    const sameDay = due.toLocaleDateString("fr-FR", { timeZone: "Europe/Paris" }) ===
      new Date().toLocaleDateString("fr-FR", { timeZone: "Europe/Paris" });
    if (!sameDay) Object.assign(options, { weekday: "long", day: "numeric", month: "long" });
    return due.toLocaleString("fr-FR", options);
  }

  function refused(reply) {
    const detail = (reply.data && reply.data.detail) || {};
    if (reply.status === 429) {
      return ["Trop de demandes depuis cette adresse. Réessayez dans " +
              `${reply.headers.get("Retry-After") || "quelques"} secondes ou appelez le 3939.`];
    }
    if (detail.error === "invalid_number") {
      const message = PHONE_MESSAGES[detail.reason] || "Ce numéro ne peut pas être rappelé.";
      fieldError(phone, "#callback-phone-error", message);
      return [message];
    }
    if (detail.error === "no_consent") fieldError(consent, "#callback-consent-error", MESSAGES.no_consent);
    if (MESSAGES[detail.error]) return [MESSAGES[detail.error]];
    if (reply.status === 422) return ["Le formulaire est incomplet ou mal rempli : vérifiez chaque champ."];
    return [`La demande n'a pas pu être enregistrée (erreur ${reply.status}). Réessayez ou appelez le 3939.`];
  }

  $("#callback-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    const problems = [];
    const problem = phoneProblem(phone.value);
    if (problem) {
      fieldError(phone, "#callback-phone-error", PHONE_MESSAGES[problem]);
      problems.push(PHONE_MESSAGES[problem]);
    }
    if (!consent.checked) {
      fieldError(consent, "#callback-consent-error", MESSAGES.no_consent);
      problems.push(MESSAGES.no_consent);
    }
    if (problems.length) {
      show(problems, problem ? phone : consent);
      return;
    }
    const button = event.target.querySelector("button[type=submit]");
    button.disabled = true;
    let reply;
    try {
      const response = await fetch("/api/callbacks", {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ phone: phone.value, sector: $("#callback-sector").value || null,
                               consent: consent.checked }),
      });
      let data = null;
      try { data = await response.json(); } catch (_) { data = null; }
      reply = { ok: response.ok, status: response.status, data, headers: response.headers };
    } catch (_) {
      reply = { ok: false, status: 0, data: null, headers: new Headers() };
    } finally {
      button.disabled = false;
    }
    if (!reply.ok) {
      const invalid = phone.getAttribute("aria-invalid") === "true";
      show(reply.status === 0 ? ["Le serveur ne répond pas. Vérifiez votre connexion ou appelez le 3939."]
        : refused(reply), invalid ? phone : null);
      return;
    }
    $("#callback-form").hidden = true;
    $("#callback-done-text").textContent = `Un conseiller vous appellera avant ${dueText(reply.data.due_by)} ` +
      "(heure de Paris). Gardez votre téléphone à portée de main : l'appel viendra du 3939.";
    $("#callback-done").dataset.callbackId = reply.data.id;
    $("#callback-done").hidden = false;
    $("#callback-done-title").focus();
  });
})();
