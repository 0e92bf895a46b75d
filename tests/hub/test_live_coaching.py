"""Mid-answer coaching over the wire: nudges are logged feedback events, sent within 1 s."""

from __future__ import annotations

import asyncio

from protocol import Feedback, Phase, State, Transcript
from tests.hub.peer import Api, Peer

FILLERS = "um so like I basically uh you know actually set up the um cache like"


async def test_fillers_and_a_long_pause_are_coached_within_a_second(api: Api) -> None:
    await api.sign_up()
    interview = await api.interview(questions=1)
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    await candidate.send(State(action="start"))
    await candidate.until(lambda p: any(isinstance(e.message, Phase) and str(e.message.phase) == "asking" for e in p.events))
    await candidate.send(State(action="answer_start"))
    await candidate.until(lambda p: any(isinstance(e.message, Phase) and str(e.message.phase) == "answering" for e in p.events))

    text = ""
    for i in range(6):  # ~78 words, a third of them fillers, over 3 s
        text = f"{text} {FILLERS}".strip()
        await candidate.send(Transcript(seg=0, text=text, final=i == 5, src="speech"))
        await asyncio.sleep(0.5)

    def feedback(peer: Peer) -> list[Feedback]:
        return [e.message for e in peer.events if isinstance(e.message, Feedback)]

    await candidate.until(lambda p: any(f.kind == "filler" for f in feedback(p)), timeout=5)
    # Then silence: a pause nudge after 4 s without new words.
    await candidate.until(lambda p: any(f.kind == "pause" for f in feedback(p)), timeout=8)
    await candidate.send(State(action="answer_end"))
    await candidate.until(lambda p: any(str(e.message.TYPE) == "analysis" for e in p.events))
    await candidate.close()

    log = await api.events(interview)
    transcripts = [e for e in log if e["t"] == "transcript"]
    filler = next(e for e in log if e["t"] == "feedback" and e["d"]["kind"] == "filler")
    trigger = max(e["ts"] for e in transcripts if e["seq"] < filler["seq"])
    assert filler["ts"] - trigger <= 1000
    pause = next(e for e in log if e["t"] == "feedback" and e["d"]["kind"] == "pause")
    assert 4000 <= pause["ts"] - transcripts[-1]["ts"] <= 5500
    # The same nudge is not repeated within the answer.
    kinds = [e["d"]["kind"] for e in log if e["t"] == "feedback" and e["d"]["level"] != "good"]
    assert len(kinds) == len(set(kinds)), kinds
    # Delivery metrics reached the analysis.
    analysis = next(e for e in log if e["t"] == "analysis")
    assert analysis["d"]["summary"]
