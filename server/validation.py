"""Validation of what users submit, shared by the JSON API and the HTML forms.

Pure functions: each returns a typed value or raises :class:`Invalid` naming
every field that is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal, Mapping, cast

from server.passwords import password_problem

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,31}$")
Role = Literal["candidate", "instructor"]
Kind = Literal["technical", "behavioral", "mixed"]
Difficulty = Literal["junior", "mid", "senior"]
TicketRole = Literal["candidate", "observer"]
MAX_JOB_DESCRIPTION_CHARS = 20_000


class Invalid(ValueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class Registration:
    username: str
    password: str
    role: Role
    display_name: str


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class NewInterview:
    kind: Kind
    role_title: str
    difficulty: Difficulty
    questions: int
    job_description: str = ""


def normalize_username(value: Any) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def _text(value: Any, *, max_length: int) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf"))
    cleaned = " ".join(cleaned.split())
    return cleaned if cleaned and len(cleaned) <= max_length else None


def _choice(value: Any, choices: tuple[str, ...]) -> str | None:
    return value if isinstance(value, str) and value in choices else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def registration(data: Mapping[str, Any]) -> Registration:
    problems: dict[str, str] = {}
    username = normalize_username(data.get("username"))
    if not USERNAME.match(username):
        problems["username"] = (
            "3-32 characters: letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    password = data.get("password")
    if not isinstance(password, str):
        problems["password"] = "required"
    elif problem := password_problem(password):
        problems["password"] = problem
    role = _choice(data.get("role", "candidate"), ("candidate", "instructor"))
    if role is None:
        problems["role"] = "must be candidate or instructor"
    raw_name = data.get("display_name")
    display_name = username
    if raw_name not in (None, ""):
        name = _text(raw_name, max_length=80)
        if name is None:
            problems["display_name"] = "at most 80 characters of text"
        else:
            display_name = name
    if problems:
        raise Invalid(problems)
    return Registration(username, cast(str, password), cast(Role, role), display_name)


def credentials(data: Mapping[str, Any]) -> Credentials:
    username = normalize_username(data.get("username"))
    password = data.get("password")
    if not username or not isinstance(password, str) or not password:
        raise Invalid({"credentials": "username and password are required"})
    return Credentials(username[:64], password[:1024])


def new_interview(data: Mapping[str, Any]) -> NewInterview:
    problems: dict[str, str] = {}
    kind = _choice(data.get("kind"), ("technical", "behavioral", "mixed"))
    if kind is None:
        problems["kind"] = "must be technical, behavioral or mixed"
    role_title = _text(data.get("role_title"), max_length=120)
    if role_title is None:
        problems["role_title"] = "required, at most 120 characters"
    difficulty = _choice(data.get("difficulty"), ("junior", "mid", "senior"))
    if difficulty is None:
        problems["difficulty"] = "must be junior, mid or senior"
    questions = _int(data.get("questions"))
    if questions is None or not 1 <= questions <= 20:
        problems["questions"] = "a whole number from 1 to 20"
    job_description = _multiline(data.get("job_description"))
    if job_description is None:
        problems["job_description"] = "text, if given"
    elif len(job_description) > MAX_JOB_DESCRIPTION_CHARS:
        problems["job_description"] = (
            f"at most {MAX_JOB_DESCRIPTION_CHARS:,} characters (this one has "
            f"{len(job_description):,})"
        )
    if problems:
        raise Invalid(problems)
    return NewInterview(
        cast(Kind, kind), cast(str, role_title), cast(Difficulty, difficulty), cast(int, questions),
        cast(str, job_description),
    )


def _multiline(value: Any) -> str | None:
    """Free text that keeps its lines: control and format characters out, spaces collapsed
    within lines, at most one blank line in a row; "" when absent."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return None
    lines: list[str] = []
    for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        kept = "".join(
            " " if ch == "\t" else ch
            for ch in line
            if ch == "\t" or unicodedata.category(ch) not in ("Cc", "Cf")
        )
        kept = " ".join(kept.split())
        if kept or (lines and lines[-1]):
            lines.append(kept)
    return "\n".join(lines).strip()


def ticket_role(data: Mapping[str, Any]) -> TicketRole:
    role = _choice(data.get("role"), ("candidate", "observer"))
    if role is None:
        raise Invalid({"role": "must be candidate or observer"})
    return cast(TicketRole, role)


def observer_username(data: Mapping[str, Any]) -> str:
    username = normalize_username(data.get("username"))
    if not USERNAME.match(username):
        raise Invalid({"username": "an instructor's username is required"})
    return username
