"""Coding questions: the offline review of code (never run) and the analysis that joins it
with the spoken explanation."""

from __future__ import annotations

from server.interviewer import CodeAnswer, InterviewSpec, SimpleInterviewer
from server.interviewer.bank import load_bank, plan
from server.interviewer.code_review import review, stated_complexity, syntax_error

TWO_SUM = load_bank().by_topic("coding/two-sum")
assert TWO_SUM is not None
QUESTION = TWO_SUM.planned("Backend engineer")
SAID = (
    "I keep a hash map from each value seen to its index, and for every number I look up its "
    "complement, so it is one pass: O of n time and O of n extra space instead of the brute "
    "force nested loop. If no pair adds up I return None, and an empty list returns None too."
)
GOOD_PYTHON = '''def two_sum(nums, target):
    """O(n) time, O(n) space."""
    if len(nums) < 2:
        return None
    seen = {}
    for i, x in enumerate(nums):
        if target - x in seen:
            return [seen[target - x], i]
        seen[x] = i
    return None
'''
GOOD_JAVASCRIPT = """function twoSum(nums, target) {
  // O(n) time
  const seen = new Map();
  for (let i = 0; i < nums.length; i++) {
    if (seen.has(target - nums[i])) return [seen.get(target - nums[i]), i];
    seen.set(nums[i], i);
  }
  return null;
}
"""


def test_python_and_javascript_are_parsed_not_run() -> None:
    assert syntax_error(GOOD_PYTHON, "python") == ""
    assert syntax_error("import os\nos.remove('/nonexistent')\n", "python") == ""
    assert syntax_error("def f(:\n    pass\n", "python").startswith("line 1:")
    assert syntax_error(GOOD_JAVASCRIPT, "javascript") == ""
    assert syntax_error("const f = async (a) => { for (const x of a) await x; };", "javascript") == ""
    assert "line 2" in syntax_error("function f(a) {\n  return a +;\n}\n", "javascript")
    assert syntax_error("function f(a { }", "javascript") != ""


def test_complexity_is_found_written_or_spoken() -> None:
    assert stated_complexity("# O(n log n) time, O( 1 ) space") == ("O(n log n)", "O(1)")
    assert stated_complexity("that is big o of n squared, and linear space") == (
        "O of n squared", "linear space")
    assert stated_complexity("it is quick") == ()


def test_the_edge_cases_of_the_bank_are_checked_in_code_and_explanation() -> None:
    result = review(GOOD_PYTHON, "python", "", TWO_SUM.edge_cases)
    assert result.parses and result.lines == 10
    assert result.missed == ()
    bare = "def two_sum(nums, target):\n    for i in range(len(nums)):\n        pass\n"
    result = review(bare, "python", "", TWO_SUM.edge_cases)
    assert set(result.missed) == {e.case for e in TWO_SUM.edge_cases}
    spoken = review(bare, "python", "with duplicates, like the same value twice", TWO_SUM.edge_cases)
    assert "the same value twice, as in [3, 3] with target 6" in spoken.handled


async def test_a_coding_answer_is_judged_on_code_and_explanation_together() -> None:
    interviewer = SimpleInterviewer()
    good = await interviewer.analyze(QUESTION, SAID, {}, code=CodeAnswer(GOOD_PYTHON, "python"))
    broken = await interviewer.analyze(
        QUESTION, SAID, {}, code=CodeAnswer(GOOD_PYTHON.replace("):", ")", 1), "python"))
    none = await interviewer.analyze(QUESTION, SAID, {})
    assert good.rubric["code"] == 10 and good.score > broken.score > none.score
    assert any("parses" in s for s in good.strengths)
    assert any("does not parse" in s and "line 1" in s for s in broken.improvements)
    assert none.rubric["code"] == 0 and "code pad" in none.improvements[0]
    javascript = await interviewer.analyze(
        QUESTION, SAID, {}, code=CodeAnswer(GOOD_JAVASCRIPT, "javascript"))
    assert javascript.rubric["code"] >= 8 and "JavaScript code parses" in javascript.strengths[0]


async def test_a_question_that_is_not_for_coding_ignores_the_code_pad() -> None:
    interviewer = SimpleInterviewer()
    question = load_bank().by_topic("databases/indexing")
    assert question is not None and not question.coding
    planned = question.planned("Backend engineer")
    plain = await interviewer.analyze(planned, SAID, {})
    assert "code" not in plain.rubric


def test_technical_plans_include_a_coding_question_marked_as_such() -> None:
    for role in ("Software engineer", "Backend engineer", "Data analyst"):
        questions = plan(load_bank(), InterviewSpec("technical", role, "mid", 4), [])
        coding = [q for q in questions if q.coding]
        assert len(coding) >= 1, role
        assert all(q.edge_cases for q in coding)
