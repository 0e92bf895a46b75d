"""The report page of an interview and the analytics dashboard (a candidate's progress, or
an instructor's candidates)."""

from __future__ import annotations

from quart import Blueprint, render_template

from db.models import User
from server import context
from server.errors import ApiError
from server.interviews import interview_summary, visible_interview
from server.reports import dashboard, interview_report
from server.routes.pages import Page, _login_required

blueprint = Blueprint("report_pages", __name__)


@blueprint.get("/interviews/<interview_id>/report")
async def report(interview_id: str) -> Page:
    """Scores, analyses and delivery of one interview, for anyone who may see it."""
    user = await _login_required()
    if not isinstance(user, User):
        return user
    try:
        async with context.db().transaction() as session:
            interview = await visible_interview(session, interview_id, user)
            owner = await session.get_one(User, interview.owner_id)
            document = await interview_report(session, interview, owner)
    except ApiError as error:
        return await render_template("error.html", message=error.message), error.status
    return await render_template(
        "report.html", user=user, interview=interview_summary(interview, owner), report=document
    )


@blueprint.get("/analytics")
async def analytics() -> Page:
    user = await _login_required()
    if not isinstance(user, User):
        return user
    async with context.db().transaction() as session:
        document = await dashboard(session, user)
    return await render_template("analytics.html", user=user, data=document)
