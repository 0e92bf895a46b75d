"""One candidate's two interviews with hand-picked numbers, and what the report and the
dashboards must say about them (worked out by hand below)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from tests.analytics.seed import Asked, Seeded, Spoken, seed

START_TS = 1_790_000_000_000

TECHNICAL = [
    Asked("How do database indexes speed up reads?", "databases/indexes", 8.0,
          {"coverage": 8.0, "correctness": 9.0, "depth": 7.0, "clarity": 8.0, "relevance": 9.0},
          Spoken(words=200, fillers=4, duration_s=80.0, wpm=150.0, eye_contact_share=0.8,
                 pace=[(10_000, 140.0), (15_000, 155.0)], pauses=[(30_000, 5.2)], longest_pause_s=5.2)),
    Asked("And a composite index?", "databases/indexes", 6.0,
          {"coverage": 6.0, "correctness": 6.0, "depth": 5.0, "clarity": 7.0, "relevance": 6.0},
          Spoken(words=100, fillers=6, duration_s=40.0, wpm=180.0, eye_contact_share=0.5,
                 pace=[(6_000, 185.0)], longest_pause_s=1.0),
          kind="follow_up"),
    Asked("Design a rate limiter for an API.", "system-design/rate-limiter", 4.0,
          {"coverage": 3.0, "correctness": 5.0, "depth": 3.0, "clarity": 5.0, "relevance": 6.0},
          Spoken(words=50, fillers=0, duration_s=60.0, wpm=None, eye_contact_share=None)),
]
TECHNICAL_FINAL = (6.2, "Solid on databases, thin on system design.")

BEHAVIORAL = [
    Asked("Tell me about a disagreement with a colleague.", "teamwork/disagreement", 7.0,
          {"coverage": 7.0, "structure": 8.0, "depth": 6.0, "clarity": 7.0, "relevance": 7.0},
          Spoken(words=120, fillers=2, duration_s=60.0, wpm=120.0, eye_contact_share=0.9)),
]

# The technical interview's report: 350 words with 10 fillers; pace and eye contact weighted
# by talk time over the two spoken answers (80 s and 40 s); the typed one has neither.
REPORT_DELIVERY = {
    "answers": 3, "talk_s": 180.0, "words": 350, "fillers": 10,
    "wpm": round((150 * 80 + 180 * 40) / 120, 1),  # 160.0
    "fillers_per_100": round(10 * 100 / 350, 2),  # 2.86
    "eye_contact_share": round((0.8 * 80 + 0.5 * 40) / 120, 3),  # 0.7
    "pauses": 1, "longest_pause_s": 5.2,
}
# Both interviews: 470 words, 12 fillers; three spoken answers of 80, 40 and 60 s.
ALL_DELIVERY = {
    "answers": 4, "talk_s": 240.0, "words": 470, "fillers": 12,
    "wpm": round((150 * 80 + 180 * 40 + 120 * 60) / 180, 1),  # 146.7
    "fillers_per_100": round(12 * 100 / 470, 2),  # 2.55
    "eye_contact_share": round((0.8 * 80 + 0.5 * 40 + 0.9 * 60) / 180, 3),  # 0.767
    "pauses": 1, "longest_pause_s": 5.2,
}


async def seed_technical(session: AsyncSession, interview_id: str) -> Seeded:
    return await seed(session, uuid.UUID(interview_id), TECHNICAL, start_ts=START_TS,
                      final=TECHNICAL_FINAL)


async def seed_behavioral(session: AsyncSession, interview_id: str) -> Seeded:
    return await seed(session, uuid.UUID(interview_id), BEHAVIORAL, start_ts=START_TS + 3_600_000)
