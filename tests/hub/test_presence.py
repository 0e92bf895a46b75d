"""Observers joining and leaving are announced to the room."""

from protocol import Presence
from tests.hub.peer import Api, Peer


def last_presence(peer: Peer) -> list[str]:
    latest = [m for m in peer.controls if isinstance(m, Presence)][-1]
    return [o.name for o in latest.observers]


async def test_presence_follows_observers(api: Api, instructor: Api) -> None:
    await api.sign_up()
    interview = await api.interview()
    await api.grant(interview, instructor.user["username"])
    candidate = Peer(await api.ws_url(interview, "candidate"), "candidate")
    await candidate.connect()
    await candidate.until(lambda p: any(isinstance(m, Presence) for m in p.controls))
    assert last_presence(candidate) == []

    observer = Peer(await instructor.ws_url(interview, "observer"), "observer")
    await observer.connect()
    name = instructor.user["display_name"]
    await candidate.until(lambda p: last_presence(p) == [name])
    await observer.until(lambda p: any(isinstance(m, Presence) for m in p.controls))
    assert last_presence(observer) == [name]
    latest = [m for m in observer.controls if isinstance(m, Presence)][-1]
    assert latest.observers[0].user == instructor.user["id"]

    await observer.close()
    await candidate.until(lambda p: last_presence(p) == [])
    await candidate.close()
