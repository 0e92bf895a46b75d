"""The HTML pages: landing, register, log in/out, the dashboard, an interview's page, its
live room, the live observer view and the replay."""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import urlsplit

from quart import Blueprint, Response, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as WerkzeugResponse

from db.models import User
from db.queries.interviews import get_interview_detail, list_visible_interviews
from server import context
from server.accounts import current_account, end_session, register, start_session
from server.csrf import check_csrf
from server.errors import ApiError, not_found
from server.interviews import (
    grant_observer,
    interview_document,
    interview_summary,
    start_interview,
    visible_interview,
)
from server.login import LoginRefused, authenticate
from server.resume_uploads import attach, read_upload
from server.validation import Invalid, credentials, new_interview, observer_username, registration

blueprint = Blueprint("pages", __name__)

Page = str | Response | WerkzeugResponse | tuple[str, int]


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the login form cannot redirect elsewhere."""
    if not target:
        return url_for("pages.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.index")
    return target


async def _form() -> dict[str, Any]:
    form = await request.form
    check_csrf(form.get("csrf_token"))
    return {key: form.get(key) for key in form}


async def _login_required() -> User | WerkzeugResponse:
    user = await current_account()
    if user is None:
        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
    return user


@blueprint.get("/")
async def index() -> Page:
    user = await current_account()
    if user is None:
        return await render_template("landing.html")
    async with context.db().transaction() as session:
        rows = await list_visible_interviews(session, user.id)
    return await render_template("dashboard.html", user=user, interviews=rows, values={},
                                 problems={})


@blueprint.route("/register", methods=["GET", "POST"])
async def register_page() -> Page:
    if request.method == "GET":
        return await render_template("register.html", values={}, problems={})
    values = await _form()
    try:
        form = registration(values)
        async with context.db().transaction() as session:
            user = await register(session, form)
    except Invalid as error:
        return await render_template("register.html", values=values, problems=error.problems), 422
    except ApiError as error:
        problems = {"username": error.message}
        return await render_template("register.html", values=values, problems=problems), error.status
    start_session(user)
    await flash(f"Welcome, {user.display_name}.", "success")
    return redirect(url_for("pages.index"))


@blueprint.route("/login", methods=["GET", "POST"])
async def login() -> Page:
    next_url = _safe_next(request.args.get("next"))
    if request.method == "GET":
        return await render_template("login.html", next_url=next_url, error=None, username="")
    values = await _form()
    next_url = _safe_next(values.get("next"))
    try:
        user = await authenticate(credentials(values), request.remote_addr or "unknown")
    except (Invalid, LoginRefused):
        message, status = "Wrong username or password.", 401
    except ApiError as error:
        message, status = error.message, error.status
    else:
        start_session(user)
        return redirect(next_url)
    page = await render_template(
        "login.html", next_url=next_url, error=message, username=values.get("username") or ""
    )
    return page, status


@blueprint.post("/logout")
async def logout() -> WerkzeugResponse:
    await _form()
    end_session()
    return redirect(url_for("pages.index"))


async def _dashboard(user: User, values: dict[str, Any], problems: dict[str, str],
                     status: int) -> Page:
    """The dashboard again with what was typed and what is wrong with it (nothing is lost)."""
    async with context.db().transaction() as session:
        rows = await list_visible_interviews(session, user.id)
    page = await render_template("dashboard.html", user=user, interviews=rows, values=values,
                                 problems=problems)
    return page, status


@blueprint.post("/interviews")
async def create_interview() -> Page:
    """A new interview from the dashboard's form, with an optional job description and
    résumé; a problem shows the form again, filled in as sent."""
    user = await _login_required()
    if not isinstance(user, User):
        return user
    values = await _form()
    upload = (await request.files).get("resume")
    data = upload.read(context.settings().resume_max_bytes + 1) if upload else b""
    try:
        form = new_interview(values)
        document = await read_upload(data, context.settings().resume_max_bytes) if data else None
    except Invalid as error:
        return await _dashboard(user, values, error.problems, 422)
    except ApiError as error:
        return await _dashboard(user, values, {"resume": error.message}, error.status)
    store = context.app().uploads
    stored = ""
    try:
        async with context.db().transaction() as session:
            interview = await start_interview(session, user, form)
            if document is not None and upload is not None:
                attach(session, interview, document, data, upload.filename or "", store)
                stored = interview.resume_file or ""
    except ApiError as error:
        store.remove(stored)
        await flash(error.message, "danger")
        return redirect(url_for("pages.index"))
    except BaseException:
        store.remove(stored)
        raise
    return redirect(url_for("pages.interview", interview_id=str(interview.id)))


async def _interview_page(
    interview_id: str, template: str, *, owner_only: bool = False, detail: bool = False,
    extra: Callable[[User], dict[str, Any]] | None = None,
) -> Page:
    """A page about one interview for a logged-in user who may see it; the 404 page otherwise
    (an instructor refused an owner-only page is told no more than a stranger)."""
    user = await _login_required()
    if not isinstance(user, User):
        return user
    try:
        async with context.db().transaction() as session:
            found = await visible_interview(session, interview_id, user)
            if owner_only and found.owner_id != user.id:
                raise not_found()
            if detail:
                document = interview_document(await get_interview_detail(session, found))
            else:
                document = interview_summary(found)
    except ApiError as error:
        return await render_template("error.html", message=error.message), error.status
    more = extra(user) if extra is not None else {}
    return await render_template(template, user=user, interview=document, **more)


@blueprint.get("/interviews/<interview_id>")
async def interview(interview_id: str) -> Page:
    return await _interview_page(interview_id, "interview.html", detail=True)


@blueprint.get("/interviews/<interview_id>/room")
async def room(interview_id: str) -> Page:
    """The live interview room: only the candidate who owns the interview enters it."""
    return await _interview_page(interview_id, "room.html", owner_only=True)


@blueprint.get("/interviews/<interview_id>/observe")
async def observe(interview_id: str) -> Page:
    """The live observer view: anyone who may see the interview (its owner or a granted
    instructor) watches it as it happens; instructors can also send notes."""
    return await _interview_page(
        interview_id, "observe.html", extra=lambda user: {"can_note": user.role == "instructor"}
    )


@blueprint.get("/interviews/<interview_id>/replay")
async def replay(interview_id: str) -> Page:
    """The replay: the interview's event log played back with its audio recording, for
    anyone who may see the interview (its owner or a granted instructor)."""
    return await _interview_page(interview_id, "replay.html", detail=True)


@blueprint.post("/interviews/<interview_id>/observers")
async def grant(interview_id: str) -> Page:
    user = await _login_required()
    if not isinstance(user, User):
        return user
    values = await _form()
    try:
        async with context.db().transaction() as session:
            found = await visible_interview(session, interview_id, user)
    except ApiError as error:
        return await render_template("error.html", message=error.message), error.status
    if found.owner_id != user.id:
        message = "Only the candidate who owns the interview grants access."
        return await render_template("error.html", message=message), 403
    try:
        username = observer_username(values)
        async with context.db().transaction() as session:
            instructor, _ = await grant_observer(session, found, user, username)
    except Invalid as error:
        await flash(error.problems["username"], "danger")
    except ApiError as error:
        await flash(error.message, "danger")
    else:
        await flash(f"{instructor.display_name} can now observe this interview.", "success")
    return redirect(url_for("pages.interview", interview_id=interview_id))
