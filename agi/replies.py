"""Grammar of one AGI reply line: ``<code> result=<value> [(<data>)] [key=value ...] [free text]``.

Observed shapes (res_agi.c)::

    200 result=0 endpos=16000
    200 result= (timeout)
    200 result=1 (PJSIP/trunk-00000001)
    200 result=0 Gosub complete
    100 result=0 Trying...
    510 Invalid or unknown command
    503 result=-2 Memory allocation failure

Words that are not ``key=value`` (``Gosub complete``) are ignored; they stay in ``raw``.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from agi.errors import AgiProtocolError
from agi.events import AgiReply

_RESULT_PREFIX = "result="
_EXTRA = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\S*)")


def parse_reply(code: int, text: str, raw: str) -> AgiReply:
    """Build the reply for ``code`` whose remaining text (after ``"<code> "``) is ``text``."""
    if not text.startswith(_RESULT_PREFIX):
        if code == 200:
            raise AgiProtocolError("200 reply without result=")
        return AgiReply(code=code, result="", data=None, extras=MappingProxyType({}), raw=raw)
    result, _, rest = text[len(_RESULT_PREFIX) :].partition(" ")
    rest = rest.lstrip(" ")
    data: str | None = None
    if rest.startswith("("):
        # A GET VARIABLE value may itself contain ")": the data ends at the last one.
        close = rest.rfind(")")
        if close < 0:
            raise AgiProtocolError("unterminated '(' in reply")
        data = rest[1:close]
        rest = rest[close + 1 :]
    return AgiReply(code=code, result=result, data=data, extras=_parse_extras(rest), raw=raw)


def _parse_extras(rest: str) -> MappingProxyType[str, str]:
    extras: dict[str, str] = {}
    for word in rest.split():
        match = _EXTRA.fullmatch(word)
        if match is not None:
            extras[match[1]] = match[2]
    return MappingProxyType(extras)
