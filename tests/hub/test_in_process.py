"""The hub through Quart's in-process test client: the live flow state equals the replayed log."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from protocol import Envelope, Hello, Phase, ServerMessage, State, Transcript, decode_server_frame, encode
from server.context import EngineApp
from server.flow import LogEntry, replay
from server.hub.events import unpack
from db.queries.events import events_after
from tests.conftest import account, new_interview


async def receive_until(ws: Any, seen: list[Envelope[ServerMessage]], phase: str) -> None:
    while True:
        envelope = decode_server_frame(await asyncio.wait_for(ws.receive(), 10))
        seen.append(envelope)
        if isinstance(envelope.message, Phase) and str(envelope.message.phase) == phase:
            return


async def test_live_flow_state_equals_the_replayed_log(app: EngineApp) -> None:
    client, _ = await account(app)
    created = await new_interview(client, questions=2)
    ticket = await (await client.post(f"/api/interviews/{created['id']}/tickets", json={"role": "candidate"})).get_json()
    seen: list[Envelope[ServerMessage]] = []
    async with app.test_client().websocket(ticket["url"]) as ws:
        await ws.send(encode(Hello(role="candidate", stream=str(uuid.uuid4()), last_seq=0)))
        await ws.receive()  # welcome
        seq = 0

        async def send(message: Any) -> None:
            nonlocal seq
            seq += 1
            await ws.send(encode(message, seq=seq))

        await send(State(action="start"))
        await receive_until(ws, seen, "asking")
        await send(State(action="answer_start"))
        await receive_until(ws, seen, "answering")
        await send(Transcript(seg=0, text="We sharded the orders table by customer id.", final=True, src="typed"))
        await send(State(action="pause"))
        await send(State(action="resume"))
        await send(State(action="answer_end"))
        await receive_until(ws, seen, "asking")
        await send(State(action="finish"))
        await receive_until(ws, seen, "finished")

        room = app.hub.rooms[uuid.UUID(created["id"])]
        assert room.flow is not None
        live = room.flow.state
        async with app.db.transaction() as session:
            rows = await events_after(session, uuid.UUID(created["id"]), 0, 10_000)
        replayed = replay(
            LogEntry(r.seq, r.kind, r.ts, unpack(r.payload), r.client_seq if r.stream else None)
            for r in rows
        )
        assert live == replayed
        assert live.phase.value == "finished" and live.report is not None
        paused = [e.message for e in seen if isinstance(e.message, Phase) and e.message.to_payload().get("paused")]
        assert len(paused) == 1
