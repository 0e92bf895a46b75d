"""What can be told about a code answer offline, without running it: whether it parses
(Python with :func:`ast.parse`, JavaScript with the tree-sitter grammar), which complexity
it states (in the code's comments or aloud), and which of the question's edge cases it
handles. Pure; code is never executed."""

from __future__ import annotations

import ast
import functools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .text import Keyword, normalize

# "O(n)", "O(n log n)", "O(1)", "O(n^2)", "O(n²)"; spoken: "O of n", "big O of n log n".
BIG_O = re.compile(r"\bO\s*\(\s*([^()]{1,24}?)\s*\)")
SPOKEN_BIG_O = re.compile(
    r"\b(?:big )?o of (one|1|n log n|log n|n squared|n cubed|n|k|m|n plus m|n times m|2 to the n)\b"
)
COMPLEXITY_WORDS = re.compile(
    r"\b(constant|linear|logarithmic|quadratic|n log n|exponential) (time|space)\b"
)
MAX_ERROR_CHARS = 160


@dataclass(frozen=True)
class EdgeCase:
    """An input a good solution handles: found in the code by any of ``patterns``
    (case-insensitive regular expressions) or in the explanation by any of ``keywords``."""

    case: str
    patterns: tuple[re.Pattern[str], ...] = ()
    keywords: tuple[Keyword, ...] = ()

    def handled(self, code: str, said: str) -> bool:
        if any(p.search(code) for p in self.patterns):
            return True
        return any(k.found_in(said) for k in self.keywords)


@dataclass(frozen=True)
class CodeReview:
    lang: str
    lines: int  # non-blank lines of code
    parses: bool
    error: str  # where and why it does not parse; "" when it does
    complexity: tuple[str, ...]  # the complexities stated, as written
    handled: tuple[str, ...]  # edge cases handled
    missed: tuple[str, ...]  # edge cases not handled

    @property
    def empty(self) -> bool:
        return self.lines == 0


def review(code: str, lang: str, said: str, edge_cases: Sequence[EdgeCase]) -> CodeReview:
    """The offline review of ``code`` in ``lang`` ("python" or "javascript") with the spoken
    explanation ``said``."""
    lines = sum(1 for line in code.splitlines() if line.strip())
    error = "" if lines == 0 else syntax_error(code, lang)
    normalized = normalize(said)
    handled = tuple(e.case for e in edge_cases if lines and e.handled(code, normalized))
    missed = tuple(e.case for e in edge_cases if e.case not in handled)
    return CodeReview(lang, lines, lines > 0 and not error, error,
                      stated_complexity(code + "\n" + said), handled, missed)


def syntax_error(code: str, lang: str) -> str:
    """Why ``code`` does not parse ("" when it does, or when the language is not known)."""
    if lang == "python":
        return _python_error(code)
    if lang == "javascript":
        return _javascript_error(code)
    return ""


def stated_complexity(text: str) -> tuple[str, ...]:
    """Every complexity named in ``text``, in order of first mention, without repeats."""
    found: list[str] = []
    for match in BIG_O.finditer(text):
        found.append(f"O({' '.join(match.group(1).split())})")
    lowered = " ".join(re.sub(r"[^a-z0-9 ]", " ", BIG_O.sub(" ", text).lower()).split())
    found += [f"O of {m.group(1)}" for m in SPOKEN_BIG_O.finditer(lowered)]
    found += [m.group(0) for m in COMPLEXITY_WORDS.finditer(lowered)]
    return tuple(dict.fromkeys(found))


def _python_error(code: str) -> str:
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences warn at compile time; they are not syntax errors.
            warnings.simplefilter("ignore")
            ast.parse(code)
    except SyntaxError as error:
        return _clip(f"line {error.lineno}: {error.msg}")
    except (ValueError, RecursionError, MemoryError) as error:
        return _clip(f"cannot be parsed: {error}")
    return ""


def _javascript_error(code: str) -> str:
    tree = _javascript_parser().parse(code.encode("utf-8"))
    node = _first_error(tree.root_node)
    if node is None:
        return ""
    row = node.start_point[0] + 1
    if node.is_missing:
        return _clip(f"line {row}: missing {node.type!r}")
    snippet = node.text.decode("utf-8", "replace").split("\n", 1)[0][:40] if node.text else ""
    return _clip(f"line {row}: unexpected {snippet!r}" if snippet else f"line {row}: syntax error")


def _first_error(root: Any) -> Any:
    if not root.has_error:
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return node
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return root


@functools.cache
def _javascript_parser() -> Any:
    import tree_sitter_javascript
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_javascript.language()))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
