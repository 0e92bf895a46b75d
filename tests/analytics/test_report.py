"""The report document of one interview, from its rows."""

from __future__ import annotations

from server.analytics.delivery import Delivery
from server.analytics.report import (
    AnalysisFacts,
    AnswerFacts,
    DeliveryFacts,
    FinalFacts,
    QuestionFacts,
    area_of,
    build_report,
    mean_rubric,
)

ID = "0f1d2c3b-0000-4000-8000-000000000001"


def _questions() -> list[QuestionFacts]:
    return [
        # Out of order on purpose: the report follows the order they were asked in.
        QuestionFacts("q2", 2, "main", "Second?", "web/cors", asked_ts=5_000),
        QuestionFacts("q1", 1, "main", "First?", "databases/indexes", asked_ts=1_000),
        QuestionFacts("f1", 1, "follow_up", "More on first?", "databases/indexes", "q1", 3_000),
        QuestionFacts("q3", 3, "instructor", "From the instructor", None, asked_ts=None),
    ]


def test_questions_in_asked_order_with_their_links() -> None:
    answers = [AnswerFacts("q1", 1_500, 2_500), AnswerFacts("q2", None, None, skipped=True)]
    report = build_report(ID, _questions(), answers, [], [], None)
    assert [q["label"] for q in report["questions"]] == [
        "Q1", "Q1 follow-up", "Q2", "Q3 instructor",
    ]
    first, follow, second, instructor = report["questions"]
    # The answer's start when there is one, else when the question was asked.
    assert first["at"] == 1_500 and first["replay_url"] == f"/interviews/{ID}/replay?at=1500"
    assert follow["at"] == 3_000
    assert second["skipped"] is True and second["at"] == 5_000
    assert instructor["at"] is None and instructor["replay_url"] is None
    assert report["score"] is None and report["final"] is False
    assert report["origin_ts"] == 1_000


def test_scores_analyses_and_delivery() -> None:
    analyses = [
        AnalysisFacts("q1", 4.0, "first try", rubric={"coverage": 4.0}, ts=2_600),
        # A question analysed again (after a restart): the later analysis wins.
        AnalysisFacts("q1", 6.0, "again", ("clear",), ("depth",), {"coverage": 6.0, "depth": 5.0}),
        AnalysisFacts("q2", 8.0, "good", rubric={"coverage": 9.0}),
    ]
    deliveries = [
        DeliveryFacts("q1", Delivery(100, 5, 60.0, 120.0, 0.5, 1, 4.5),
                      pace=((1_600, 118.0), (6_600, 122.0)), pauses=((2_000, 4.5),)),
        DeliveryFacts("q2", Delivery(50, 0, 20.0, 180.0, 1.0)),
    ]
    report = build_report(ID, _questions(), [AnswerFacts("q1", 1_500, 61_500)], analyses,
                          deliveries, None)
    rows = {q["qid"]: q for q in report["questions"]}
    assert rows["q1"]["score"] == 6.0 and rows["q1"]["analysis"]["improvements"] == ["depth"]
    assert rows["f1"]["score"] is None and rows["f1"]["analysis"] is None
    # Not final: the mean of the scored answers.
    assert report["score"] == 7.0
    assert report["rubric"] == {"coverage": 7.5, "depth": 5.0}
    assert rows["q1"]["delivery"]["fillers_per_100"] == 5.0
    assert report["delivery"]["wpm"] == 135.0 and report["delivery"]["talk_s"] == 80.0
    assert [(p["ts"], p["wpm"], p["label"]) for p in report["pace"]] == [
        (1_600, 118.0, "Q1"), (6_600, 122.0, "Q1"),
    ]
    assert report["pauses"] == [{
        "ts": 2_000, "seconds": 4.5, "qid": "q1", "label": "Q1",
        "replay_url": f"/interviews/{ID}/replay?at=2000",
    }]


def test_the_final_report_gives_the_score() -> None:
    analyses = [AnalysisFacts("q1", 2.0, "weak")]
    report = build_report(ID, _questions(), [], analyses, [], FinalFacts(3.5, "Keep practising."))
    assert report["final"] is True and report["score"] == 3.5
    assert report["summary"] == "Keep practising."


def test_areas_and_rubric_means() -> None:
    assert area_of("system-design/chat") == "system-design"
    assert area_of("leadership") == "leadership"
    assert area_of(None) == "general" and area_of("") == "general"
    assert mean_rubric([{"a": 1.0, "b": 2.0}, {"a": 2.0}]) == {"a": 1.5, "b": 2.0}
    assert mean_rubric([]) == {}
