"""``/api/interviews``: creating, reading, sharing, and tickets for the live socket."""

from __future__ import annotations

from quart import Blueprint, Response

from db.queries.access import revoke_access
from db.queries.interviews import get_interview_detail, list_visible_interviews
from db.queries.tickets import issue_ticket
from db.queries.users import get_user_by_username
from server import context
from server.accounts import require_account
from server.errors import ApiError
from server.http import read_valid, respond
from server.quotas import spend, ticket_quota
from server.lifecycle.deletion import announce_withdrawal
from server.interviews import (
    grant_observer,
    interview_document,
    interview_summary,
    start_interview,
    tailoring_fields,
    visible_interview,
)
from server.validation import new_interview, normalize_username, observer_username, ticket_role

blueprint = Blueprint("api_interviews", __name__, url_prefix="/api/interviews")


@blueprint.post("")
async def create() -> Response:
    user = await require_account()
    form = await read_valid(new_interview)
    async with context.db().transaction() as session:
        interview = await start_interview(session, user, form)
        document = {**interview_summary(interview, user), **tailoring_fields(interview)}
    return respond(document, status=201, headers={"Location": f"/api/interviews/{interview.id}"})


@blueprint.get("")
async def list_mine() -> Response:
    user = await require_account()
    async with context.db().transaction() as session:
        rows = await list_visible_interviews(session, user.id)
    return respond({"interviews": [interview_summary(i, owner) for i, owner in rows]})


@blueprint.get("/<interview_id>")
async def read(interview_id: str) -> Response:
    user = await require_account()
    async with context.db().transaction() as session:
        interview = await visible_interview(session, interview_id, user)
        document = interview_document(await get_interview_detail(session, interview))
    return respond(document)


@blueprint.post("/<interview_id>/observers")
async def grant(interview_id: str) -> Response:
    user = await require_account()
    username = await read_valid(observer_username)
    async with context.db().transaction() as session:
        interview = await visible_interview(session, interview_id, user)
        instructor, created = await grant_observer(session, interview, user, username)
    body = {"username": instructor.username, "display_name": instructor.display_name}
    return respond(body, status=201 if created else 200)


@blueprint.delete("/<interview_id>/observers/<username>")
async def revoke(interview_id: str, username: str) -> Response:
    user = await require_account()
    async with context.db().transaction() as session:
        interview = await visible_interview(session, interview_id, user)
        if interview.owner_id != user.id:
            raise ApiError(403, "forbidden", "only the candidate who owns the interview revokes access")
        instructor = await get_user_by_username(session, normalize_username(username))
        if instructor is None or not await revoke_access(session, interview.id, instructor.id):
            raise ApiError(404, "not_found", f"{username!r} has no access to this interview")
        await announce_withdrawal(session, interview.id, instructor.id)
    # The instructor's open sockets close at once (here, and through NOTIFY elsewhere).
    context.app().hub.withdraw(interview.id, str(instructor.id))
    return Response(status=204)


@blueprint.post("/<interview_id>/tickets")
async def ticket(interview_id: str) -> Response:
    user = await require_account()
    role = await read_valid(ticket_role)
    async with context.db().transaction() as session:
        interview = await visible_interview(session, interview_id, user)
        if role == "candidate" and interview.owner_id != user.id:
            raise ApiError(403, "forbidden", "only the interview's candidate streams as candidate")
        await spend(session, ticket_quota(context.settings()), user)
        token = await issue_ticket(
            session,
            user_id=user.id,
            interview_id=interview.id,
            role=role,
            ttl_s=context.settings().ticket_ttl_s,
        )
    return respond(
        {
            "ticket": token,
            "url": f"/ws/interviews/{interview.id}?ticket={token}",
            "role": role,
            "expires_in": context.settings().ticket_ttl_s,
        },
        status=201,
    )
