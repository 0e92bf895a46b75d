"""A candidate who speaks an answer through the protocol: words arriving a few at a time as a
recogniser delivers them, a long pause in the middle, and face frames with steady eye
contact."""

from __future__ import annotations

import asyncio

from protocol import Face, FaceFrame, Transcript
from tests.hub.peer import Peer

ANSWER = (
    "um the index keeps the keys sorted so a lookup walks a small tree instead of scanning "
    "uh every row which is much faster for reads but um it makes each write a little slower "
    "because the tree has to be updated too"
)
FILLERS = 3  # um, uh, um
EYE_CONTACT = 0.75
PAUSE_S = 5.5


async def speak(peer: Peer, text: str = ANSWER, *, pause_after_words: int = 18) -> None:
    """Three words every 0.6 s, one pause of ``PAUSE_S`` after ``pause_after_words``."""
    words = text.split()
    said = 0
    clock = 0
    while said < len(words):
        said = min(len(words), said + 3)
        await peer.send(Transcript(seg=0, text=" ".join(words[:said]), final=said == len(words),
                                   src="speech"))
        await peer.send(Face(frames=tuple(
            FaceFrame(t=clock + i * 60, present=True, eye_contact=EYE_CONTACT) for i in range(10)
        )))
        clock += 600
        await asyncio.sleep(PAUSE_S if said == pause_after_words else 0.6)
