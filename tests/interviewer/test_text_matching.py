"""The fast paths of keyword and stem matching answer exactly as the plain definitions do."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.interviewer.text import MIN_STEM, Keyword, content_stems, normalize, occurs

WORDS = ["index", "indexes", "indexing", "cache", "caching", "caches", "data", "database",
         "measure", "measuring", "query", "queries", "ship", "shipped", "stop", "stopped",
         "b", "tree", "trees", "go", "a", "42", "latency", "api", "apis", "class", "classes",
         "profiling", "profile", "replica", "replication", "e", "es"]

text = st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join)
phrase = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
stems = st.frozensets(st.text(alphabet="abcdefx", min_size=1, max_size=8), max_size=8)


def plain_occurs(wanted: str, have: frozenset[str]) -> bool:
    if wanted in have:
        return True
    if len(wanted) < MIN_STEM:
        return False
    return any(len(s) >= MIN_STEM and (s.startswith(wanted) or wanted.startswith(s))
               for s in have)


@settings(max_examples=400)
@given(phrase, text)
def test_a_keyword_is_found_exactly_where_its_pattern_matches(words: str, answer: str) -> None:
    keyword = Keyword.of(words)
    normalized = normalize(answer)
    assert keyword.found_in(normalized) == (keyword.pattern.search(normalized) is not None)


@settings(max_examples=400)
@given(st.text(alphabet="abcdefx", min_size=1, max_size=8), stems)
def test_occurs_agrees_with_the_plain_prefix_rule(wanted: str, have: frozenset[str]) -> None:
    assert occurs(wanted, have) == plain_occurs(wanted, have)


def test_inflected_forms_are_still_found() -> None:
    assert Keyword.of("index").found_in(normalize("We added two indexes."))
    assert Keyword.of("measure").found_in(normalize("I kept measuring it"))
    assert not Keyword.of("data").found_in(normalize("the database was slow"))
    assert occurs("databa", content_stems("databases everywhere"))
