"""Each rule of a contract in plain words, and what would pass: for the Trust analyst.

The words live in ``seeds/rule_texts.csv`` (rule, plain_words, what_passes). ``{name}`` in
them is filled from the rule's own settings in the contract (the codes allowed, the bounds,
the column it is compared with) and the return's period, never from a value of the return:
these texts go into comments and workbooks that must not quote a landed value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from contracts import reference
from contracts.contract import REQUIRED, contract
from contracts.periods import Period

REFUSED = "refused"  # a whole file refused: not a row rule, but explained alike
ACROSS_ROWS = ("duplicate_key", "incomplete_reading", "incomplete_response")
UNKNOWN_PASSES = "what the returns specification (returns.md) asks of this column"


@dataclass(frozen=True)
class RuleText:
    rule: str
    plain_words: str
    what_passes: str

    def sentence(self) -> str:
        """One line: what is wrong, then what would pass."""
        return f"{_capitalised(self.plain_words)}. What passes: {self.what_passes}."


def explain(collection: str, column: str | None, rule: str, period: str | None = None) -> RuleText:
    """``rule`` of ``collection``'s ``column`` in plain words. A rule with no row in the seed
    (every contract rule has one: tests/test_annotate.py) is named as it is."""
    words, passes = _texts().get(rule, (f"this breaks the rule {rule}", UNKNOWN_PASSES))
    fill = _placeholders(collection, column, rule, period)
    return RuleText(rule, words.format_map(fill), passes.format_map(fill))


@cache
def _texts() -> dict[str, tuple[str, str]]:
    rows = reference.seed("rule_texts")
    return {
        rule: (words, passes)
        for rule, words, passes in rows.select("rule", "plain_words", "what_passes").iter_rows()
    }


def _placeholders(collection: str, column: str | None, rule: str, period: str | None) -> dict:
    fill: dict[str, str] = {"column": column or "the file"}
    fill |= _period_days(period)
    if rule == REFUSED or column is None:
        return fill
    statistics = _statistics(collection, column)
    for name, value in statistics.get(rule, {}).items():
        fill[name] = _phrase(name, value)
    if rule == "range":
        fill["bounds"] = _bounds(**statistics["range"])
    if rule == "area_for_version":
        areas = reference.star_areas().items()
        fill["areas"] = "; ".join(f"for {v}: {', '.join(codes)}" for v, codes in areas)
    if rule == REQUIRED:
        fill["passes_otherwise"] = _passes_otherwise(collection, column, statistics, period)
    return fill


@cache
def _statistics(collection: str, column: str) -> dict[str, dict]:
    """Each rule of the column, with its settings in the contract."""
    return {r.name: dict(r.statistics) for r in contract(collection).rules if r.column == column}


def _passes_otherwise(collection: str, column: str, statistics: dict, period: str | None) -> str:
    """An empty required cell passes with what the column's first other rule accepts."""
    for other in statistics:
        if other not in (REQUIRED, *ACROSS_ROWS):
            return explain(collection, column, other, period).what_passes
    return "any text"


def _phrase(name: str, value) -> str:
    if isinstance(value, tuple):
        return (" and " if name == "key" else ", ").join(str(v) for v in value)
    return str(value)


def _bounds(low=None, high=None, low_open=False) -> str:
    low_words = None if low is None else f"{'more than' if low_open else 'at least'} {low}"
    if low is not None and high is not None and not low_open:
        return f"a number from {low} to {high}"
    if high is None:
        return f"a number {low_words}"
    if low is None:
        return f"a number at most {high}"
    return f"a number {low_words} and at most {high}"


def _period_days(period: str | None) -> dict[str, str]:
    if period is None:
        return {"period_first": "the period's first day", "period_last": "the period's last day"}
    parsed = Period.parse(period)
    return {"period_first": str(parsed.first_day), "period_last": str(parsed.last_day)}


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
