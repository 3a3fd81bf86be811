"""Server-rendered pages (Jinja2) for supervisors and ops, with a little JavaScript; no build step."""
