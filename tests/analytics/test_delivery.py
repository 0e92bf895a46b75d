"""How answers' delivery adds up: rates weighted by talk time, fillers over all words."""

from __future__ import annotations

import pytest

from server.analytics.delivery import PACE_BAND_WPM, Delivery, summarize, weighted_mean


def test_weighted_mean() -> None:
    assert weighted_mean([]) is None
    assert weighted_mean([(100.0, 30.0), (200.0, 10.0)]) == 125.0
    # Without any weight, every value counts the same.
    assert weighted_mean([(1.0, 0.0), (3.0, 0.0)]) == 2.0


def test_a_long_answer_counts_for_more_than_a_short_one() -> None:
    long = Delivery(words=300, fillers=3, duration_s=120.0, wpm=150.0, eye_contact_share=0.9,
                    pauses=2, longest_pause_s=6.5)
    short = Delivery(words=20, fillers=5, duration_s=10.0, wpm=200.0, eye_contact_share=0.1,
                     pauses=0, longest_pause_s=1.0)
    summary = summarize([long, short])
    assert summary.answers == 2 and summary.talk_s == 130.0
    assert summary.words == 320 and summary.fillers == 8
    assert summary.wpm == round((150 * 120 + 200 * 10) / 130, 1)
    assert summary.eye_contact_share == round((0.9 * 120 + 0.1 * 10) / 130, 3)
    # Not the mean of 1.0 and 25.0 per 100 words: 8 fillers in 320 words.
    assert summary.fillers_per_100 == 2.5
    assert summary.pauses == 2 and summary.longest_pause_s == 6.5


def test_unknown_values_are_left_out_not_counted_as_zero() -> None:
    typed = Delivery(words=80, fillers=0, duration_s=90.0)
    spoken = Delivery(words=100, fillers=2, duration_s=30.0, wpm=140.0, eye_contact_share=0.7)
    summary = summarize([typed, spoken])
    assert summary.wpm == 140.0 and summary.eye_contact_share == 0.7
    assert summary.longest_pause_s is None
    assert summary.fillers_per_100 == pytest.approx(100 * 2 / 180, abs=0.01)


def test_nothing_measured() -> None:
    summary = summarize([])
    assert summary.document() == {
        "answers": 0, "talk_s": 0, "words": 0, "fillers": 0, "wpm": None,
        "fillers_per_100": None, "eye_contact_share": None, "pauses": 0, "longest_pause_s": None,
    }
    assert Delivery(words=0, fillers=0, duration_s=3.0).fillers_per_100 is None


def test_the_pace_band_is_the_live_coachs() -> None:
    assert PACE_BAND_WPM == (100.0, 165.0)
