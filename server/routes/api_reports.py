"""``/api/interviews/<id>/report`` and ``/api/analytics``: the numbers behind the report page
and the dashboards, from the derived tables."""

from __future__ import annotations

from quart import Blueprint, Response

from db.models import User
from server import context
from server.accounts import require_account
from server.http import respond
from server.interviews import visible_interview
from server.reports import dashboard, interview_report

blueprint = Blueprint("api_reports", __name__, url_prefix="/api")


@blueprint.get("/interviews/<interview_id>/report")
async def report(interview_id: str) -> Response:
    """The report of an interview its owner or a granted instructor may see (404 otherwise)."""
    user = await require_account()
    async with context.db().transaction() as session:
        interview = await visible_interview(session, interview_id, user)
        owner = await session.get_one(User, interview.owner_id)
        document = await interview_report(session, interview, owner)
    return respond(document)


@blueprint.get("/analytics")
async def analytics() -> Response:
    """A candidate's progress over their interviews, or an instructor's candidates (only the
    interviews shared with them)."""
    user = await require_account()
    async with context.db().transaction() as session:
        document = await dashboard(session, user)
    return respond(document)
