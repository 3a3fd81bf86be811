"""The rules editor's API against the running service: publish changes what `allo route` and the FastAGI server
use, refusals change nothing, stale drafts get 409, rollback, and recorded prompts reach Asterisk's sounds."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from allo.auth.roles import Role
from allo.setup.prompts import ensure_prompts
from allo.setup.stack import seed_database

pytestmark = pytest.mark.integration

CLOSURE = {"op": "add_exception", "calendar": "general", "kind": "closure", "starts_on": "2026-11-23",
           "ends_on": "2026-11-23", "message_text": "Fermeture exceptionnelle", "say_text": True}


def allo_route(settings, at: str, keys: str) -> dict:
    env = {**os.environ, "ALLO_STATE_DIR": str(settings.state_dir), "ALLO_PG_PORT": str(settings.pg_port)}
    out = subprocess.run([sys.executable, "-m", "allo.cli.main", "route", "--at", at, "--keys", keys], env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def client(service, role: Role) -> httpx.Client:
    return httpx.Client(base_url=service.base_url, headers=service.headers(role), timeout=30)


@pytest.fixture
def ops(running_service) -> Iterator[httpx.Client]:
    """The demo ops account; drafts discarded and the rules put back as they were after the test."""
    with client(running_service, Role.OPS) as ops, client(running_service, Role.ADMIN) as admin:
        for c in (ops, admin):
            c.delete("/api/rules/draft")
        start = ops.get("/api/rules/current").json()
        yield ops
        for c in (ops, admin):
            c.delete("/api/rules/draft")
        now = ops.get("/api/rules/current").json()
        if now["document"] != start["document"]:
            reply = ops.post(f"/api/rules/versions/{start['id']}/rollback", json={"comment": "test clean-up"})
            assert reply.status_code == 200, reply.text


def wait_for_version(service, version: int) -> None:
    deadline = time.monotonic() + 5
    while httpx.get(f"{service.base_url}/api/rules/version", headers=service.headers(Role.OPS)).json()[
            "version"] < version:
        assert time.monotonic() < deadline, "the service did not load the published rules"
        time.sleep(0.05)


def test_publish_preview_and_rollback(ops, running_service, test_settings, asterisk):
    start = ops.get("/api/rules/current").json()
    edited = ops.post("/api/rules/draft/edits", json=CLOSURE)
    assert edited.status_code == 200, edited.text
    assert edited.json()["draft"]["changed"] is True
    preview = ops.post("/api/rules/draft/preview", json={"at": "2026-11-23T10:00", "keys": ["1"]}).json()
    assert (preview["live"]["queue"], preview["draft"]["outcome"], preview["same"]) == ("l1", "closed", False)
    assert allo_route(test_settings, "2026-11-23T10:00", "1")["queue"] == "l1"

    published = ops.post("/api/rules/draft/publish", json={"comment": "inventaire"})
    assert published.status_code == 200, published.text
    version = published.json()
    wait_for_version(running_service, version["rules_version"])
    routed = allo_route(test_settings, "2026-11-23T10:00", "1")
    assert (routed["outcome"], routed["rules_version"]) == ("closed", version["rules_version"])
    assert "allo/exception-general-2026-11-23" in routed["prompts"]  # the exceptional message is said
    spoken = asterisk.sounds_dir / "fr" / "allo" / "exception-general-2026-11-23.sha256"
    wait_until(spoken.exists, "the exceptional message was not synthesised")

    changes = ops.get(f"/api/rules/versions/{start['id']}/diff/{version['id']}").json()["changes"]
    assert changes == [{"path": "prompts.allo/exception-general-2026-11-23", "before": None,
                        "after": "Fermeture exceptionnelle"},
                       {"path": "calendars.general.exceptions", "before": None,
                        "after": "closure 2026-11-23 «Fermeture exceptionnelle»"}]
    listed = ops.get("/api/rules/versions").json()
    assert listed[0]["id"] == version["id"] and listed[0]["comment"] == "inventaire"

    back = ops.post(f"/api/rules/versions/{start['id']}/rollback", json={"comment": "réouverture"})
    assert back.status_code == 200, back.text
    assert back.json()["rollback_of"] == start["id"]
    assert ops.get("/api/rules/current").json()["document"] == start["document"]
    assert allo_route(test_settings, "2026-11-23T10:00", "1")["queue"] == "l1"
    assert ops.get(f"/api/rules/versions/{start['id']}/diff/{back.json()['id']}").json()["changes"] == []


def test_the_main_path_listening_time_warns_without_blocking(ops, test_settings, asterisk):
    draft = ops.get("/api/rules/draft").json()
    assert draft["problems"] == []
    # welcome + main menu + its 5 s timeout + connecting, from the sound files: the seeded rules keep the budget
    # for a caller not sampled for the survey (what a simulated call hears)
    preview = ops.post("/api/rules/draft/preview", json={"at": "2026-11-23T10:00", "keys": []}).json()
    plain = preview["draft"]["listening_s"]
    assert 15 < plain <= 20
    for side in ("live", "draft"):
        assert preview[side]["listening_s"] == plain
        assert preview[side]["listening_estimated"] == [] and preview[side]["listening_waits_s"] == 5.0
    routed = allo_route(test_settings, "2026-11-23T10:00", "")
    assert (routed["queue"], routed["listening_s"], routed["listening_estimated"]) == ("l1", plain, [])
    # The budget counts the survey announcement when the survey is on (a sampled caller's longer path): with the
    # default texts that path is over 20 s, a warning.
    if draft["document"]["survey"]["enabled"]:
        assert draft["main_path_s"] > plain + 5
        [warning] = draft["warnings"]
        assert "l'annonce de l'enquête de satisfaction" in warning["message"]
    else:
        assert draft["main_path_s"] == plain and draft["warnings"] == []
    print(f"main path with the seeded prompts: {plain} s, {draft['main_path_s']} s with the survey announcement "
          f"({draft['document']['survey']})")
    try:
        longer = ops.post("/api/rules/draft/edits", json={"op": "set_menu", "menu": "main", "timeout_ms": 10000})
        assert longer.status_code == 200, longer.text
        draft = longer.json()["draft"]
        [warning] = draft["warnings"]
        assert warning["path"] == "menus.main" and "Un appelant qui ne tape rien écoute" in warning["message"]
        assert draft["problems"] == [] and draft["main_path_s"] > 20
    finally:
        ops.delete("/api/rules/draft")


def test_an_invalid_edit_is_refused_with_a_readable_message_and_changes_nothing(ops):
    draft = ops.get("/api/rules/draft").json()
    live = ops.get("/api/rules/current").json()
    reply = ops.post("/api/rules/draft/edits", json={"op": "set_menu_option", "menu": "main", "digit": "1",
                                                     "action": "queue", "queue": "l2-foo"})
    assert reply.status_code == 422
    assert reply.json()["detail"]["problems"] == [{"path": "menus.main.options.1",
                                                   "message": "L'option 1 du menu main envoie vers la file inconnue "
                                                              "l2-foo"}]
    malformed = ops.post("/api/rules/draft/edits", json={"op": "set_weekly", "calendar": "general"})
    assert malformed.status_code == 422
    assert malformed.json()["detail"]["problems"] == [
        {"path": "set_weekly.weekday", "message": "« weekday » : champ obligatoire"},
        {"path": "set_weekly.periods", "message": "« periods » : champ obligatoire"}]
    assert ops.get("/api/rules/draft").json()["document"] == draft["document"]
    assert ops.get("/api/rules/current").json() == live


def test_a_stale_draft_gets_409(ops, running_service):
    assert ops.post("/api/rules/draft/edits", json=CLOSURE).status_code == 200
    with client(running_service, Role.ADMIN) as admin:
        assert admin.post("/api/rules/draft/edits", json={"op": "set_queue", "name": "l1",
                                                          "asa_target": 25}).status_code == 200
        first = admin.post("/api/rules/draft/publish", json={"comment": "ASA 25 s"})
        assert first.status_code == 200, first.text
    stale = ops.post("/api/rules/draft/publish", json={"comment": "trop tard"})
    assert stale.status_code == 409
    assert stale.json()["detail"]["latest"] == first.json()["id"]
    assert re.fullmatch(rf"La version {first.json()['id']} a été publiée par admin le \d\d/\d\d/\d{{4}} à \d\d:\d\d "
                        r"après le début de votre brouillon \(parti de la version \d+\) : abandonnez votre brouillon "
                        "et refaites vos modifications", stale.json()["detail"]["problems"][0]["message"])
    assert ops.get("/api/rules/draft").json()["stale"] is True


def test_rotated_code_is_shown_once(ops):
    reply = ops.post("/api/rules/draft/edits", json={"op": "rotate_code", "service": "specialist",
                                                     "sector": "justice"}).json()
    code = reply["plaintext_code"]
    assert code and code.isdigit()
    draft = ops.get("/api/rules/draft")
    assert code not in draft.text and "code_hash" not in draft.text and "salt" not in draft.text


def spoken_wav(tmp_path: Path) -> bytes:
    target = tmp_path / "accueil.wav"
    subprocess.run(["espeak-ng", "-v", "fr-fr", "-w", str(target), "Bonjour, ceci est un message enregistré"],
                   check=True)
    return target.read_bytes()


def test_an_uploaded_recording_is_converted_and_played_once_published(ops, running_service, asterisk, tmp_path,
                                                                     test_settings):
    sound = asterisk.sounds_dir / "fr" / "allo" / "bienvenue.wav"
    synthesised = sound.read_bytes()
    garbage = ops.post("/api/prompts/allo/bienvenue/recording", files={"file": ("x.wav", b"not audio" * 100)})
    assert garbage.status_code == 422
    assert garbage.json()["detail"]["problems"][0]["message"] == (
        "Enregistrement refusé pour le message allo/bienvenue : ce n'est pas un fichier audio que le serveur sait "
        "lire (envoyez un fichier WAV, FLAC ou OGG)")
    unknown = ops.post("/api/prompts/allo/nulle-part/recording", files={"file": ("a.wav", spoken_wav(tmp_path))})
    assert unknown.status_code == 422 and unknown.json()["detail"]["problems"] == [
        {"path": "name", "message": "Message inconnu : allo/nulle-part"}]

    uploaded = ops.post("/api/prompts/allo/bienvenue/recording", files={"file": ("a.wav", spoken_wav(tmp_path))})
    assert uploaded.status_code == 200, uploaded.text
    recording = uploaded.json()["recording_id"]
    assert uploaded.json()["draft"]["document"]["recordings"] == {"allo/bienvenue": recording}
    audio = ops.get(f"/api/prompts/recordings/{recording}")
    assert audio.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(audio.content)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    assert sound.read_bytes() == synthesised  # not before publication

    published = ops.post("/api/rules/draft/publish", json={"comment": "message d'accueil enregistré"})
    assert published.status_code == 200, published.text
    wait_until(lambda: sound.read_bytes() == audio.content, "the recording did not reach Asterisk's sounds")

    # `make run`'s set-up makes the prompts again: the published recording is kept, not re-synthesised.
    data = asyncio.run(seed_database(test_settings))
    assert data.uploads == {"allo/bienvenue": audio.content}
    assert ensure_prompts(data.prompts, asterisk.sounds_dir, uploads=data.uploads) == 0
    assert sound.read_bytes() == audio.content

    start = published.json()["id"] - 1
    assert ops.post(f"/api/rules/versions/{start}/rollback", json={"comment": "voix de synthèse"}).status_code == 200
    # Synthesised again (sox dithers: not byte for byte the first synthesis).
    uploaded_stamp = hashlib.sha256(audio.content).hexdigest()
    stamp = sound.with_suffix(".sha256")  # written once the sound is complete
    wait_until(lambda: stamp.read_text() != uploaded_stamp, "rolling back did not bring the synthesised prompt back")
    assert sound.read_bytes() != audio.content
    with wave.open(io.BytesIO(sound.read_bytes())) as w:
        assert w.getframerate() == 8000
        assert abs(w.getnframes() - len(synthesised) // 2) < 4000


def wait_until(condition, message: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def test_a_published_queue_threshold_reaches_the_service(ops, running_service):
    before = {q["name"]: q for q in ops.get("/api/queues").json()["queues"]}["l1"]["max_wait"]["seconds"]
    assert ops.post("/api/rules/draft/edits", json={"op": "set_queue", "name": "l1",
                                                    "max_wait": before + 60}).status_code == 200
    assert ops.post("/api/rules/draft/publish", json={"comment": "l1 : attente plus longue"}).status_code == 200
    wait_until(lambda: {q["name"]: q for q in ops.get("/api/queues").json()["queues"]}["l1"]["max_wait"][
        "seconds"] == before + 60, "the queue policies were not re-read")
