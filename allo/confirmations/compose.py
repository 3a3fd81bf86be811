"""The confirmation mail (pure): its `content` snapshot, the address and its Message-ID -> an EmailMessage with a
French plain-text part and an HTML alternative. The same inputs give the same message, on every attempt."""

from __future__ import annotations

import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

SUBJECT = "Votre appel au 3939 : les informations données"
TEMPLATES = Path(__file__).parent / "templates"

# Autoescape for the HTML part: a sheet's title or a body's name is data imported from outside (DILA).
_HTML = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                    trim_blocks=True, lstrip_blocks=True)
_TEXT = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined,  # noqa: S701
                    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def new_message_id(domain: str) -> str:
    """Fixed when the confirmation is created: every attempt sends this one."""
    return f"<confirmation-{uuid.uuid4()}@{domain}>"


def _safe_url(url: str) -> str:
    """Only web links reach the HTML's href (a `javascript:` one from a bad import would be a trap)."""
    return url if url.startswith(("https://", "http://")) else ""


def _view(content: dict[str, Any]) -> dict[str, Any]:
    sheets = [{**sheet, "url": _safe_url(str(sheet.get("url", "")))} for sheet in content.get("sheets", [])]
    return {"sheets": sheets, "bodies": list(content.get("bodies", [])), "subject": SUBJECT}


def compose(content: dict[str, Any], address: str, message_id: str, *, sender: str, created: datetime
            ) -> EmailMessage:
    """`created` (the confirmation's creation) is the Date header, so that a retry is byte-for-byte the same mail."""
    view = _view(content)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = address
    message["Subject"] = SUBJECT
    message["Date"] = format_datetime(created)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies (vacation notices) back to us
    message.set_content(_TEXT.get_template("confirmation.txt").render(view))
    message.add_alternative(_HTML.get_template("confirmation.html").render(view), subtype="html")
    message["Content-Language"] = "fr"  # after set_content, which clears the Content-* headers
    return message
