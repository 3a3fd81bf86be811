// Ops pages: upload a recorded prompt without leaving the page (the form posts multipart to the API).
document.querySelectorAll("form.upload").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = form.querySelector(".upload-result");
    const data = new FormData(form);
    out.textContent = "envoi…";
    out.className = "upload-result muted";
    const response = await fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                                                headers: { "X-CSRF-Token": allo.csrf() } });
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (response.ok) {
      out.textContent = "enregistrement déposé dans le brouillon";
      out.className = "upload-result ok";
      setTimeout(() => window.location.reload(), 800);
    } else {
      const problems = body?.detail?.problems;
      out.textContent = problems ? problems.map((p) => p.message).join(" ; ")
                                 : (typeof body?.detail === "string" ? body.detail : `refusé (${response.status})`);
      out.className = "upload-result error";
    }
  });
});

// Prompts page: show only the prompts whose name or text contains what is typed.
const promptFilter = document.getElementById("prompt-filter");
if (promptFilter) {
  promptFilter.addEventListener("input", () => {
    const wanted = promptFilter.value.trim().toLowerCase();
    document.querySelectorAll("#prompts tbody tr").forEach((row) => {
      const text = (row.dataset.prompt + " " + (row.querySelector("textarea")?.value || "")).toLowerCase();
      row.hidden = wanted !== "" && !text.includes(wanted);
    });
  });
}
