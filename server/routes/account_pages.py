"""The pages for one's data: the account page (archive, import, deleting the account) and
deleting an interview from its page."""

from __future__ import annotations

from typing import AsyncIterator

from quart import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage

from db.models import User
from server.accounts import current_account, end_session
from server.csrf import check_csrf
from server.errors import ApiError
from server.lifecycle.actions import (
    confirm_password,
    import_file,
    owned_interview,
    remove_account,
    remove_interview,
)
from server.routes.pages import Page, _login_required

blueprint = Blueprint("account_pages", __name__)

PIECE = 256 * 1024


async def _confirmed_form() -> dict[str, str]:
    form = await request.form
    check_csrf(form.get("csrf_token"))
    values = {key: form.get(key) or "" for key in form}
    if values.get("confirm") != "yes":
        raise ApiError(422, "invalid", "tick the box to confirm")
    return values


@blueprint.get("/account")
async def account() -> Page:
    user = await _login_required()
    if not isinstance(user, User):
        return user
    return await render_template("account.html", user=user)


@blueprint.post("/account/delete")
async def delete_account() -> Page:
    user = await _login_required()
    if not isinstance(user, User):
        return user
    try:
        values = await _confirmed_form()
        await confirm_password(user, values.get("password"))
        await remove_account(user)
    except ApiError as error:
        await flash(error.message, "danger")
        return redirect(url_for("account_pages.account"))
    end_session()
    await flash("Your account and all its interviews were deleted.", "success")
    return redirect(url_for("pages.index"))


@blueprint.post("/interviews/<interview_id>/delete")
async def delete_interview(interview_id: str) -> Page:
    user = await _login_required()
    if not isinstance(user, User):
        return user
    try:
        interview = await owned_interview(interview_id, user)
    except ApiError as error:
        return await render_template("error.html", message=error.message), error.status
    try:
        await _confirmed_form()
    except ApiError as error:
        await flash(error.message, "danger")
        return redirect(url_for("pages.interview", interview_id=interview_id))
    await remove_interview(interview)
    await flash(f"The interview “{interview.role_title}” was deleted.", "success")
    return redirect(url_for("pages.index"))


async def _pieces(upload: FileStorage) -> AsyncIterator[bytes]:
    while piece := upload.stream.read(PIECE):
        yield piece


@blueprint.post("/account/import")
async def import_page() -> Page:
    user = await current_account()
    if user is None:
        return redirect(url_for("pages.login"))
    form = await request.form
    check_csrf(form.get("csrf_token"))
    upload = (await request.files).get("file")
    try:
        if upload is None:
            raise ApiError(422, "invalid", "choose an export file")
        interview_id = await import_file(user, _pieces(upload))
    except ApiError as error:
        await flash(f"Import failed: {error.message}", "danger")
        return redirect(url_for("account_pages.account"))
    await flash("The interview was imported.", "success")
    return redirect(url_for("pages.interview", interview_id=str(interview_id)))
