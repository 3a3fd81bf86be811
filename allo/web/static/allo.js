// Shared helpers: every unsafe fetch carries the page's CSRF token.
window.allo = {
  csrf: () => document.querySelector('meta[name="csrf-token"]')?.content || "",
  async send(method, url, body) {
    const headers = { "X-CSRF-Token": allo.csrf() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, { method, headers, credentials: "same-origin",
                                        body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    return { ok: response.ok, status: response.status, data };
  },
};
