"""Where `allo serve` spends its time under load: a py-spy sampling profile, summed into a few buckets.

`py-spy record --raw` writes one line per distinct stack (frames joined by `;`, then a sample count). A sample
counts in the first bucket (in BUCKETS order) that one of its frames matches; the event loop waiting in `select`
is "idle". The report shows these shares so that "why" comes from a profile of the same run, not from memory.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

# (bucket, substrings of a frame "function (file:line)"); first match wins, so specific before general.
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("idle (event loop waiting)", ("select (selectors.py",)),
    ("call-record and queue-leg writes (PostgreSQL)", ("(allo/records/recorder.py", "(calls.py")),
    ("AMI events (parsing and listeners)", ("(acd/ami/", "(panoramisk/ami_protocol.py", "ami_protocol.py")),
    ("FastAGI sessions (menu, routing, AGI I/O)", ("(agi/", "(ivr/", "(routing/", "allo/fastagi/ivr.py",
                                                   "allo/queues/entry.py", "handler.py", "queue_entry.py")),
    ("HTTP API and dashboard", ("(uvicorn/", "(fastapi/", "(starlette/", "(allo/dashboard/", "(allo/api/")),
    ("other database work", ("(sqlalchemy/", "(asyncpg/")),
)
OTHER = "other (asyncio, logging, timers...)"
OWN = ("(allo/", "(acd/", "(agi/", "(ivr/", "(routing/")
WRAP = ("(allo/cli/main.py", "(allo/cli/serve.py")  # under every sample: not informative


def py_spy() -> str | None:
    found = shutil.which("py-spy")
    if found:
        return found
    here = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "py-spy"
    return str(here) if here.exists() else None


def summarise(raw: str) -> dict[str, Any]:
    """Buckets as % of the samples, plus the project's own functions seen most often (inclusive)."""
    buckets: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        bucket = next((name for name, keys in BUCKETS if any(k in f for f in frames for k in keys)), OTHER)
        buckets[bucket] += n
        for frame in {f.split(":")[0] for f in frames if any(p in f for p in OWN) and not any(w in f for w in WRAP)}:
            own[frame] += n
    pct = {name: round(100 * n / total, 1) for name, n in buckets.most_common()} if total else {}
    top = [(frame, round(100 * n / total, 1)) for frame, n in own.most_common(12)] if total else []
    return {"samples": total, "buckets_pct": pct, "top_own_frames_pct": top}


async def record(pid: int, seconds: float, out: Path, rate: int = 100) -> dict[str, Any]:
    """Sample `pid` for `seconds` (py-spy, non-blocking: the service is not paused) and summarise."""
    exe = py_spy()
    if exe is None:
        return {"error": "py-spy not installed"}
    cmd = [exe, "record", "--pid", str(pid), "--rate", str(rate), "--duration", str(int(seconds)), "--format",
           "raw", "--output", str(out), "--nonblocking"]
    return await asyncio.to_thread(_record, cmd, out, seconds)


def _record(cmd: list[str], out: Path, seconds: float) -> dict[str, Any]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if proc.returncode != 0 or not out.exists():
        return {"error": f"py-spy exit {proc.returncode}: {proc.stderr[-300:]}", "command": " ".join(cmd)}
    return {**summarise(out.read_text()), "command": " ".join(cmd), "raw": str(out)}


def render(profile: dict[str, Any]) -> str:
    if "error" in profile:
        return f"Profile not taken: {profile['error']}\n"
    lines = ["| where (py-spy samples of `allo serve`) | share |", "|---|---|"]
    lines += [f"| {name} | {pct} % |" for name, pct in profile["buckets_pct"].items()]
    lines += ["", f"{profile['samples']} samples. Project functions seen most often (inclusive): "
              + ", ".join(f"`{frame}` {pct} %" for frame, pct in profile["top_own_frames_pct"][:8]) + ".",
              "", f"Command: `{profile['command']}`"]
    return "\n".join(lines) + "\n"
