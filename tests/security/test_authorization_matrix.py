"""Every endpoint × every kind of user × their own and someone else's interview: exactly the
allowed calls succeed; anonymous callers are asked to log in; an interview a user may not see
answers exactly like one that does not exist.

A new endpoint without an entry in ``MATRIX`` fails ``test_every_endpoint_has_an_entry``.
Adding one is a line: ``"METHOD /rule/<interview_id>": call(WHO, ok=..., body=...)``.
"""

from __future__ import annotations

import re
import secrets
import uuid
from urllib.parse import urlsplit
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest

from protocol import Welcome
from server.context import EngineApp
from tests.conftest import PASSWORD
from tests.security.world import ACTORS, Actor, World, build_world

# Who may make a call. About an interview: its owner, an instructor it is shared with.
# Otherwise: the kind of account (anonymous, candidate, instructor).
OWNER = frozenset({"owner"})
VIEWERS = frozenset({"owner", "granted"})
ANYONE = frozenset({"anonymous", "candidate", "instructor"})
SIGNED_IN = frozenset({"candidate", "instructor"})
CANDIDATES = frozenset({"candidate"})

Body = Callable[[World], Any]


@dataclass(frozen=True)
class Call:
    who: frozenset[str]
    ok: tuple[int, ...] = (200,)
    json: Body | None = None
    form: Body | None = None  # an HTML form post; the actor's CSRF token is added
    content: Callable[[World], bytes] | None = None  # a raw text/plain body
    params: Callable[[World], dict[str, str]] | None = None
    # What a user who may see the interview, but not do this, gets: "refused" (403, 4003)
    # or "hidden" (404, like a stranger).
    seen: str = "refused"
    # A redirect only counts as success when it goes here (a regex on Location).
    ok_location: str | None = None
    prepare: Callable[[World], Awaitable[None]] | None = None
    role: str = ""  # the hello role of a websocket call


def call(who: frozenset[str], ok: int | tuple[int, ...] = 200, **options: Any) -> Call:
    return Call(who, ok if isinstance(ok, tuple) else (ok,), **options)


def _new_user(world: World) -> dict[str, str]:
    return {"username": f"m{secrets.token_hex(5)}", "password": PASSWORD, "role": "candidate"}


def _spare_login(world: World) -> dict[str, str]:
    return {"username": world.spare_candidate, "password": PASSWORD}


async def _grant_spare(world: World) -> None:
    for owner, interview_id in (("owner", world.a), ("other_candidate", world.b)):
        response = await world.request(
            world.actors[owner], "POST", f"/api/interviews/{interview_id}/observers",  # type: ignore[index]
            json={"username": world.spare_instructor},
        )
        assert response.status_code in (200, 201)


async def _record(world: World) -> None:
    await world.ensure_recordings()


RESUME = "Backend engineer. Led the migration of billing to Kafka.".encode()


async def _attach_resumes(world: World) -> None:
    for owner, interview_id in (("owner", world.a), ("other_candidate", world.b)):
        response = await world.request(
            world.actors[owner], "PUT", f"/api/interviews/{interview_id}/resume",  # type: ignore[index]
            content=RESUME,
        )
        assert response.status_code == 201, await response.get_data(as_text=True)


NEW_INTERVIEW = {"kind": "technical", "role_title": "Engineer", "difficulty": "mid", "questions": "2"}
INTERVIEW_PAGE = r"^/interviews/[0-9a-f-]{36}$"

MATRIX: dict[str, Call] = {
    "GET /healthz": call(ANYONE),
    "GET /readyz": call(ANYONE),
    "GET /static/<path:filename>": call(ANYONE, params=lambda w: {"filename": "css/app.css"}),
    "GET /vendor/<package>/<path:filename>": call(
        ANYONE, params=lambda w: {"package": "bootstrap", "filename": "css/bootstrap.min.css"}),
    "POST /api/users": call(ANYONE, 201, json=_new_user),
    "POST /api/session": call(ANYONE, json=_spare_login),
    "GET /api/session": call(SIGNED_IN),
    "DELETE /api/session": call(ANYONE, 204),
    "POST /api/interviews": call(CANDIDATES, 201, json=lambda w: {**NEW_INTERVIEW, "questions": 2}),
    "GET /api/interviews": call(SIGNED_IN),
    "GET /api/interviews/<interview_id>": call(VIEWERS),
    "POST /api/interviews/<interview_id>/observers": call(
        OWNER, (200, 201), json=lambda w: {"username": w.spare_instructor}),
    "DELETE /api/interviews/<interview_id>/observers/<username>": call(
        OWNER, 204, params=lambda w: {"username": w.spare_instructor}, prepare=_grant_spare),
    "POST /api/interviews/<interview_id>/tickets observer": call(
        VIEWERS, 201, json=lambda w: {"role": "observer"}),
    "POST /api/interviews/<interview_id>/tickets candidate": call(
        OWNER, 201, json=lambda w: {"role": "candidate"}),
    "GET /api/interviews/<interview_id>/events": call(VIEWERS),
    "GET /api/interviews/<interview_id>/recording": call(VIEWERS, prepare=_record),
    "GET /api/interviews/<interview_id>/report": call(VIEWERS),
    "PUT /api/interviews/<interview_id>/resume": call(OWNER, 201, content=lambda w: RESUME),
    "POST /api/interviews/<interview_id>/resume": call(OWNER, 201, content=lambda w: RESUME),
    "DELETE /api/interviews/<interview_id>/resume": call(OWNER, 204, prepare=_attach_resumes),
    "GET /api/analytics": call(SIGNED_IN),
    "GET /analytics": call(SIGNED_IN),
    "GET /interviews/<interview_id>/report": call(VIEWERS),
    "GET /api/interviews/<interview_id>/export": call(VIEWERS),
    "GET /api/account/archive": call(SIGNED_IN),
    "GET /account": call(SIGNED_IN),
    "WEBSOCKET /ws/interviews/<interview_id> candidate": call(OWNER, role="candidate"),
    "WEBSOCKET /ws/interviews/<interview_id> observer": call(VIEWERS, role="observer"),
    "GET /": call(ANYONE),
    "GET /register": call(ANYONE),
    "POST /register": call(ANYONE, 302, form=_new_user, ok_location="^/$"),
    "GET /login": call(ANYONE),
    "POST /login": call(ANYONE, 302, form=_spare_login, ok_location="^/$"),
    "POST /logout": call(ANYONE, 302, form=lambda w: {}),
    "POST /interviews": call(CANDIDATES, 302, form=lambda w: NEW_INTERVIEW, ok_location=INTERVIEW_PAGE),
    "GET /interviews/<interview_id>": call(VIEWERS),
    "GET /interviews/<interview_id>/room": call(OWNER, seen="hidden"),
    "GET /interviews/<interview_id>/observe": call(VIEWERS),
    "GET /interviews/<interview_id>/replay": call(VIEWERS),
    "POST /interviews/<interview_id>/observers": call(
        OWNER, 302, form=lambda w: {"username": w.spare_instructor}, ok_location=INTERVIEW_PAGE),
}


# Endpoints that destroy the world this matrix runs in (deleting an interview or an account),
# take an export file, or are closed to every account (metrics need their own token): each
# is checked for who may and who may not call it by the test named here.
COVERED_ELSEWHERE: dict[str, str] = {
    "DELETE /api/interviews/<interview_id>": "tests/lifecycle/test_delete.py",
    "POST /interviews/<interview_id>/delete": "tests/server/test_operations.py",
    "DELETE /api/account": "tests/lifecycle/test_delete.py",
    "POST /account/delete": "tests/server/test_operations.py",
    "POST /api/interviews/import": "tests/lifecycle/test_export_import.py",
    "POST /account/import": "tests/server/test_operations.py",
    "GET /metrics": "tests/server/test_operations.py",
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def endpoints(app: EngineApp) -> set[str]:
    """"METHOD rule" for every route of the app; websockets as "WEBSOCKET rule"."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.websocket:
            found.add(f"WEBSOCKET {rule.rule}")
            continue
        for method in (rule.methods or set()) - IGNORED_METHODS:
            found.add(f"{method} {rule.rule}")
    return found


def test_every_endpoint_has_an_entry(app: EngineApp) -> None:
    covered = {" ".join(key.split(" ")[:2]) for key in MATRIX} | set(COVERED_ELSEWHERE)
    missing = sorted(endpoints(app) - covered)
    assert not missing, (
        "endpoints without an authorisation matrix entry in "
        f"tests/security/test_authorization_matrix.py (MATRIX): {missing}"
    )
    stale = sorted(covered - endpoints(app))
    assert not stale, f"MATRIX entries for endpoints that no longer exist: {stale}"


@pytest.fixture(scope="module")
async def world(app: EngineApp) -> AsyncIterator[World]:
    yield await build_world(app)


def _path(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule)


def _expected(entry: Call, who: str, about_interview: bool) -> str:
    if who in entry.who:
        return "ok"
    if who == "anonymous":
        return "login"
    if about_interview:
        return entry.seen if who in ("owner", "granted") else "hidden"
    return "refused"


async def _outcome(world: World, key: str, entry: Call, actor: Actor, interview_id: str | None) -> str:
    method, rule = key.split(" ")[:2]
    values = {"interview_id": interview_id or ""} | (entry.params(world) if entry.params else {})
    if method == "WEBSOCKET":
        assert interview_id is not None
        result = await world.websocket(actor, interview_id, entry.role)
        if isinstance(result, Welcome):
            return "ok"
        codes = {4001: "login", 4003: "refused", 4004: "hidden"}
        return codes.get(result, f"closed {result}")
    response = await world.request(
        actor, method, _path(rule, values),
        json=entry.json(world) if entry.json else None,
        form=entry.form(world) if entry.form else None,
        content=entry.content(world) if entry.content else None,
    )
    status = response.status_code
    parts = urlsplit(response.headers.get("Location", ""))
    location = parts.path + (f"?{parts.query}" if parts.query else "")
    if status == 401 or (status in (302, 303) and location.startswith("/login")):
        return "login"
    if status == 403:
        return "refused"
    if status == 404:
        if interview_id is not None:
            await _assert_like_a_missing_interview(world, actor, method, rule, values, response, entry)
        return "hidden"
    if status in entry.ok:
        if entry.ok_location is not None and not re.search(entry.ok_location, location):
            return "refused"
        return "ok"
    return f"status {status}"


async def _assert_like_a_missing_interview(
    world: World, actor: Actor, method: str, rule: str, values: dict[str, str], response: Any,
    entry: Call,
) -> None:
    """A 404 for an existing interview says exactly what one for a made-up id says."""
    missing = await world.request(
        actor, method, _path(rule, {**values, "interview_id": str(uuid.uuid4())}),
        json=entry.json(world) if entry.json else None,
        form=entry.form(world) if entry.form else None,
        content=entry.content(world) if entry.content else None,
    )
    assert missing.status_code == 404
    assert await missing.get_data() == await response.get_data()


@pytest.mark.parametrize("key", sorted(MATRIX))
async def test_authorisation(world: World, key: str) -> None:
    entry = MATRIX[key]
    if entry.prepare is not None:
        await entry.prepare(world)
    about_interview = "<interview_id>" in key
    cases = []
    for name in ACTORS:
        actor = world.actors[name]
        if about_interview:
            for interview_id in (world.a, world.b):
                who = world.relation(actor, interview_id)
                cases.append((actor, interview_id, f"{name} on {'A' if interview_id == world.a else 'B'}", who))
        else:
            cases.append((actor, None, name, actor.kind))
    # Calls expected to fail first: they must change nothing the successful ones rely on.
    cases.sort(key=lambda case: _expected(entry, case[3], about_interview) == "ok")
    wrong = []
    for actor, interview_id, label, who in cases:
        expected = _expected(entry, who, about_interview)
        got = await _outcome(world, key, entry, actor, interview_id)
        if got != expected:
            wrong.append(f"{label} ({who}): expected {expected}, got {got}")
    assert not wrong, f"{key}:\n  " + "\n  ".join(wrong)
