"""The text readers of ``contracts.parse`` equal their plain regular-expression definitions.

The readers take shortcuts for speed (a direct cast first, a time dropped only from text
longer than a date); these plain forms, over many odd texts, say what they must give.
"""

from __future__ import annotations

import random

import polars as pl
import pytest

from contracts.parse import INTEGER_PATTERN, as_date, as_hcn_number, as_integer


def plain_integer(column: str) -> pl.Expr:
    text = pl.col(column)
    return pl.when(text.str.contains(INTEGER_PATTERN)).then(
        text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    )


def plain_hcn_number(column: str) -> pl.Expr:
    text = pl.col(column)
    return pl.when(text.str.contains(r"^[0-9]{10}$")).then(text.cast(pl.Int64, strict=False))


def plain_date(column: str) -> pl.Expr:
    text = pl.col(column)
    iso = text.str.replace(r"[T ]00:00(:00(\.0+)?)?$", "")
    iso_date = pl.when(iso.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$")).then(iso)
    uk_date = pl.when(text.str.contains(r"^\d{1,2}/\d{1,2}/\d{4}$")).then(text)
    return pl.coalesce(
        iso_date.str.strptime(pl.Date, "%Y-%m-%d", strict=False, exact=True),
        uk_date.str.strptime(pl.Date, "%d/%m/%Y", strict=False, exact=True),
    )


ARABIC_DIGITS = "\u0662\u0660\u0662\u0665"  # 2025 in Arabic-Indic digits: \d, yet no number
TIMES = ("", "T00:00", " 00:00:00", "T00:00:00.00", " 00:01", "T00:00:00.", "x")


def odd_texts(seed: int = 1) -> pl.DataFrame:
    rng = random.Random(seed)
    letters = "0123456789+-.e /:T_x\u0661\uff19"

    def noise() -> str:
        return "".join(rng.choice(letters) for _ in range(rng.randint(0, 24)))

    def iso() -> str:
        day = f"{rng.randint(1, 9999):04d}-{rng.randint(0, 13)}-{rng.randint(0, 32)}"
        return day + rng.choice(TIMES)

    def hcn() -> str:
        text = list(f"{rng.randint(0, 10**10 - 1):010d}")
        for _ in range(rng.randint(0, 2)):
            text[rng.randrange(10)] = rng.choice(letters)
        return "".join(text)[: rng.choice((9, 10, 10, 10, 11))]

    def uk() -> str:
        return f"{rng.randint(0, 32)}/{rng.randint(0, 13)}/{rng.randint(1, 9999):04d}"

    def number() -> str:
        sign, tail = rng.choice(("", "+", "-")), rng.choice(("", ".0", ".00", ".", ".01", "0"))
        return f"{sign}{rng.randint(0, 10 ** rng.randint(1, 20))}{tail}"

    texts = [make() for make in (noise, iso, uk, number, hcn) for _ in range(10_000)]
    texts += ["", None, "1T00:00", f"{ARABIC_DIGITS}-04-01", f"{ARABIC_DIGITS}-04-01T00:00", "+-1"]
    texts += ["+123456789", "-123456789", "-000000000", " 123456789", "123456789 ", "0x12345678"]
    texts += ["1e+9", "12345678.0", "1_23456789", f"{ARABIC_DIGITS}123456", "9999999999"]
    return pl.DataFrame({"text": texts}, schema={"text": pl.String})


@pytest.mark.parametrize(
    ("fast", "plain"),
    [(as_integer, plain_integer), (as_date, plain_date), (as_hcn_number, plain_hcn_number)],
)
def test_fast_reading_equals_the_plain_definition(fast, plain):
    texts = odd_texts()
    got, expected = texts.select(fast("text")).to_series(), texts.select(plain("text")).to_series()
    assert got.eq_missing(expected).all(), texts.filter(~got.eq_missing(expected)).head()
    assert expected.is_not_null().sum() > 1_000
