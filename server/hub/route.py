"""``GET /ws/interviews/<id>``: authenticate before accepting, then hand over to a Connection.

Authentication is decided before the socket is accepted. A refused client is
then accepted only to be told why with a close code (4001, 4003, 4004), which a
browser cannot read from a refused HTTP upgrade.
"""

from __future__ import annotations

import uuid

from quart import Blueprint, websocket

from db.models import Interview, User
from db.queries.interviews import get_visible_interview
from db.queries.tickets import redeem_ticket
from db.queries.users import get_user
from protocol import CloseCode
from server import context
from server.accounts import current_account
from server.hub.connection import Closing, Connection

blueprint = Blueprint("live", __name__)


def _own_origin() -> str:
    scheme = "https" if websocket.scheme in ("wss", "https") else "http"
    return f"{scheme}://{websocket.host}"


async def _authenticate(raw_id: str) -> tuple[User, Interview, str | None]:
    try:
        interview_id = uuid.UUID(raw_id)
    except ValueError:
        raise Closing(CloseCode.NOT_FOUND, "interview not found") from None
    ticket = websocket.args.get("ticket")
    redeemed = None
    if ticket is not None:
        # Its own transaction: a ticket is spent by any attempt, a refused one included.
        async with context.db().transaction() as session:
            redeemed = await redeem_ticket(session, ticket, interview_id)
        if redeemed is None:
            raise Closing(CloseCode.NOT_AUTHENTICATED, "ticket invalid, used or expired")
    async with context.db().transaction() as session:
        if redeemed is not None:
            user = await get_user(session, redeemed.user_id)
            ticket_role: str | None = redeemed.role
        else:
            origin = (websocket.headers.get("Origin") or "").rstrip("/")
            allowed = {_own_origin(), *context.settings().allowed_origins}
            user = await current_account()
            if user is None:
                raise Closing(CloseCode.NOT_AUTHENTICATED, "log in or use a ticket")
            if origin not in allowed:
                raise Closing(CloseCode.FORBIDDEN, "cross-site websocket refused (Origin)")
            ticket_role = None
        if user is None:
            raise Closing(CloseCode.NOT_AUTHENTICATED, "the account no longer exists")
        interview = await get_visible_interview(session, interview_id, user.id)
    if interview is None:
        raise Closing(CloseCode.NOT_FOUND, "interview not found")
    return user, interview, ticket_role


@blueprint.websocket("/ws/interviews/<interview_id>")
async def live(interview_id: str) -> None:
    app = context.app()
    if app.hub.draining:
        # Before authenticating, so a ticket is not spent on a server that is leaving.
        await websocket.accept()
        await websocket.close(CloseCode.GOING_AWAY, "server shutting down")
        return
    try:
        user, interview, ticket_role = await _authenticate(interview_id)
    except Closing as refused:
        await websocket.accept()
        await websocket.close(refused.code, refused.reason)
        return
    connection = Connection(
        app.hub, websocket._get_current_object(),  # type: ignore[attr-defined]
        user, interview, ticket_role=ticket_role,
    )
    await connection.serve()
