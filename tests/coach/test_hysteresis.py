"""A persistent fault fires once; it fires again only after clearing and the cool-down."""

from __future__ import annotations

from server.coach import LiveCoach, Thresholds

from .stream import Stream, of_kind, words

T = Thresholds()


def test_persistent_fast_speech_fires_once() -> None:
    s = Stream()
    s.start(0)
    s.speak(0, words(400), 200)
    fired = s.run(120_000, tick_ms=250)
    assert len(of_kind(fired, "pace")) == 1


def test_persistent_face_missing_fires_once() -> None:
    s = Stream()
    s.start(0)
    s.speak(0, words(300), 140)
    s.faces(0, 10_000)
    s.faces(10_000, 120_000, present=False)
    assert len(of_kind(s.run(120_000), "face_missing")) == 1


def test_fires_again_after_clearing_and_cool_down() -> None:
    s = Stream()
    s.start(0)
    s.speak(0, words(300), 140)
    s.faces(0, 10_000)
    s.faces(10_000, 20_000, present=False)  # fires at ~14 s
    s.faces(20_000, 22_000)  # clears
    s.faces(22_000, 30_000, present=False)  # bad again at ~26 s: still cooling down
    s.faces(30_000, 45_000)
    s.faces(45_000, 60_000, present=False)  # bad again at ~49 s, after the cool-down
    s.faces(60_000, 100_000)
    fired = [f.t_ms for f in of_kind(s.run(100_000), "face_missing")]
    assert len(fired) == 2
    assert 14_100 < fired[0] <= 15_100
    assert 49_100 < fired[1] <= 50_100
    assert fired[1] - fired[0] >= T.cooldown_s * 1000


def test_fault_during_cool_down_fires_when_it_ends() -> None:
    s = Stream()
    s.start(0)
    s.speak(0, words(300), 140)
    s.faces(0, 10_000)
    s.faces(10_000, 20_000, present=False)
    s.faces(20_000, 22_000)
    s.faces(22_000, 60_000, present=False)
    fired = [f.t_ms for f in of_kind(s.run(60_000), "face_missing")]
    assert len(fired) == 2
    assert fired[1] - fired[0] >= T.cooldown_s * 1000
    assert fired[1] <= fired[0] + T.cooldown_s * 1000 + 1000


def test_pace_must_return_inside_the_band_to_clear() -> None:
    s = Stream(LiveCoach(Thresholds(cooldown_s=0)))
    s.start(0)
    t = s.speak(0, words(100), 200)
    # Just inside the band but within the clearing margin: still flagged, so speeding up
    # again is the same episode.
    t = s.speak(t, words(100), 162)
    t = s.speak(t, words(100), 200)
    fired = of_kind(s.run(round(t)), "pace")
    assert len(fired) == 1


def test_without_a_margin_the_same_script_fires_twice() -> None:
    s = Stream(LiveCoach(Thresholds(cooldown_s=0, pace_clear_margin_wpm=0)))
    s.start(0)
    t = s.speak(0, words(100), 200)
    t = s.speak(t, words(100), 162)
    t = s.speak(t, words(100), 200)
    assert len(of_kind(s.run(round(t)), "pace")) == 2


def test_pace_fires_again_after_returning_to_normal() -> None:
    s = Stream(LiveCoach(Thresholds(cooldown_s=0)))
    s.start(0)
    t = s.speak(0, words(100), 200)
    t = s.speak(t, words(100), 135)
    slow_from = t
    s.speak(t, words(60), 70)
    fired = of_kind(s.run(200_000), "pace", "warn")
    assert len(fired) == 2
    assert "fast" in fired[0].nudge.message and "slow" in fired[1].nudge.message
    assert fired[1].t_ms > slow_from


def test_flags_reset_with_each_answer_but_cool_down_carries_over() -> None:
    s = Stream()
    s.start(0)
    s.speak(0, words(100), 200)  # fast: fires at ~5 s
    s.end(20_000)
    s.start(21_000)
    s.speak(21_000, words(100), 200)  # fast again: within the cool-down until ~35 s
    s.end(50_000)
    fired = [f.t_ms for f in of_kind(s.run(60_000), "pace")]
    assert len(fired) == 2
    assert fired[1] - fired[0] >= T.cooldown_s * 1000
