"""The report and dashboard JSON: who may read them, and the numbers for a seeded candidate."""

from __future__ import annotations

import pytest

from server.context import EngineApp
from tests.analytics.scenario import (
    ALL_DELIVERY,
    REPORT_DELIVERY,
    TECHNICAL,
    TECHNICAL_FINAL,
    seed_behavioral,
    seed_technical,
)
from tests.conftest import account, new_interview


async def test_who_may_read_a_report(app: EngineApp) -> None:
    owner, _ = await account(app)
    granted, teacher = await account(app, "instructor")
    stranger, _ = await account(app, "instructor")
    other_candidate, _ = await account(app)
    interview = await new_interview(owner)
    assert (await owner.post(f"/api/interviews/{interview['id']}/observers",
                             json={"username": teacher["username"]})).status_code == 201
    path = f"/api/interviews/{interview['id']}/report"

    for client in (owner, granted):
        response = await client.get(path)
        assert response.status_code == 200
        empty = await response.get_json()
        assert empty["questions"] == [] and empty["score"] is None
    for client in (stranger, other_candidate):
        response = await client.get(path)
        assert response.status_code == 404
        assert "Backend" not in await response.get_data(as_text=True)
        page = await client.get(f"/interviews/{interview['id']}/report")
        assert page.status_code == 404
    assert (await owner.get("/api/interviews/not-a-uuid/report")).status_code == 404
    assert (await app.test_client().get(path)).status_code == 401
    anonymous = await app.test_client().get(f"/interviews/{interview['id']}/report")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert (await granted.get(f"/interviews/{interview['id']}/report")).status_code == 200


async def test_report_of_a_seeded_interview(app: EngineApp) -> None:
    owner, _ = await account(app)
    interview = await new_interview(owner)
    async with app.db.transaction() as session:
        seeded = await seed_technical(session, interview["id"])

    report = await (await owner.get(f"/api/interviews/{interview['id']}/report")).get_json()
    assert report["final"] is True
    assert report["score"] == TECHNICAL_FINAL[0] and report["summary"] == TECHNICAL_FINAL[1]
    assert report["delivery"] == REPORT_DELIVERY
    assert report["pace_band"] == {"min": 100.0, "max": 165.0}
    assert [q["label"] for q in report["questions"]] == ["Q1", "Q1 follow-up", "Q2"]
    assert [q["score"] for q in report["questions"]] == [a.score for a in TECHNICAL]
    assert [q["area"] for q in report["questions"]] == ["databases", "databases", "system-design"]
    first = report["questions"][0]
    assert first["analysis"]["rubric"] == TECHNICAL[0].rubric
    assert first["delivery"]["fillers_per_100"] == 2.0 and first["delivery"]["wpm"] == 150.0
    # Each point links to its moment of the replay, in server time.
    for q, ts in zip(report["questions"], seeded.answer_ts):
        assert q["at"] == ts and q["replay_url"] == f"/interviews/{interview['id']}/replay?at={ts}"
    start = seeded.answer_ts[0]
    assert [(p["ts"], p["wpm"]) for p in report["pace"]] == [
        (start + 10_000, 140.0), (start + 15_000, 155.0), (seeded.answer_ts[1] + 6_000, 185.0),
    ]
    assert report["pace"][0]["replay_url"].endswith(f"?at={start + 10_000}")
    assert [(p["ts"], p["seconds"]) for p in report["pauses"]] == [(start + 30_000, 5.2)]
    assert report["origin_ts"] == seeded.events[0]["ts"]
    assert report["rubric"]["coverage"] == round((8 + 6 + 3) / 3, 2)

    page = await owner.get(f"/interviews/{interview['id']}/report")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="overall-score" data-value="6.2"' in html
    assert 'id="report-data"' in html and "<script>" not in html


async def test_dashboards_of_a_candidate_and_their_instructors(app: EngineApp) -> None:
    owner, candidate = await account(app)
    granted, teacher = await account(app, "instructor")
    bystander, _ = await account(app, "instructor")
    technical = await new_interview(owner, kind="technical")
    behavioral = await new_interview(owner, kind="behavioral")
    async with app.db.transaction() as session:
        await seed_technical(session, technical["id"])
        await seed_behavioral(session, behavioral["id"])
    # The instructor is shown the technical interview only.
    await owner.post(f"/api/interviews/{technical['id']}/observers", json={"username": teacher["username"]})

    mine = await (await owner.get("/api/analytics")).get_json()
    assert mine["role"] == "candidate"
    p = mine["progress"]
    assert p["interviews"] == 2 and p["answered"] == 4
    assert p["delivery"] == ALL_DELIVERY
    # The finished interview counts with its final score, the live one with its mean so far.
    assert [row["score"] for row in p["trend"]] == [6.2, 7.0]
    assert p["mean_score"] == 6.6
    assert [row["id"] for row in p["recent"]] == [behavioral["id"], technical["id"]]
    assert p["by_kind"] == [
        {"name": "behavioral", "mean": 7.0, "n": 1}, {"name": "technical", "mean": 6.0, "n": 3},
    ]
    assert p["by_area"] == [
        {"name": "databases", "mean": 7.0, "n": 2}, {"name": "teamwork", "mean": 7.0, "n": 1},
        {"name": "system-design", "mean": 4.0, "n": 1},
    ]
    strongest = [(a["name"], a["mean"]) for a in p["strongest"]]
    weakest = [(a["name"], a["mean"]) for a in p["weakest"]]
    # Rubric means: relevance (9+6+6+7)/4 = 7.0 is the best, coverage (8+6+3+7)/4 = 6.0 ...
    assert strongest[0] == ("structure", 8.0)
    assert weakest[0] == ("system-design", 4.0)
    assert not set(strongest) & set(weakest)
    assert {q["text"] for q in p["questions"]} == {
        "How do database indexes speed up reads?", "And a composite index?",
        "Design a rate limiter for an API.", "Tell me about a disagreement with a colleague.",
    }

    # The live interview's report: the mean of its answers so far, no final summary.
    live = await (await owner.get(f"/api/interviews/{behavioral['id']}/report")).get_json()
    assert live["final"] is False and live["score"] == 7.0 and live["summary"] is None
    assert live["interview"]["status"] == "live"

    theirs = await (await granted.get("/api/analytics")).get_json()
    assert theirs["role"] == "instructor"
    [row] = theirs["candidates"]
    assert row["candidate"]["username"] == candidate["username"]
    assert row["progress"]["interviews"] == 1 and row["progress"]["answered"] == 3
    assert row["progress"]["delivery"] == REPORT_DELIVERY
    assert [r["id"] for r in row["progress"]["recent"]] == [technical["id"]]

    nobody = await (await bystander.get("/api/analytics")).get_json()
    assert nobody == {"role": "instructor", "candidates": []}
    assert (await app.test_client().get("/api/analytics")).status_code == 401
    for client in (owner, granted, bystander):
        assert (await client.get("/analytics")).status_code == 200


@pytest.mark.parametrize("role", ["candidate", "instructor"])
async def test_empty_dashboards_render(app: EngineApp, role: str) -> None:
    client, _ = await account(app, role)
    page = await client.get("/analytics")
    assert page.status_code == 200
    html = await page.get_data(as_text=True)
    assert ("no-interviews" if role == "candidate" else "no-candidates") in html
