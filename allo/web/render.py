"""Render a page with the shared layout; the template sees `me` (the Principal) and `csrf_token`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from allo.auth.roles import Principal

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=WEB_DIR / "templates")


def render(request: Request, template: str, me: Principal | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {"me": me, "csrf_token": me.csrf_token if me else "",
                                                          **context}, status_code=status_code)
