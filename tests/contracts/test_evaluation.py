"""``check_rows`` directly, and the one-pass evaluator against pandera's own validate."""

from __future__ import annotations

import random

import polars as pl
import pytest
from pandera.errors import SchemaErrors
from polars.testing import assert_frame_equal

from contracts import CONTRACTS
from contracts.checks import FILE_INDEX
from contracts.evaluate import rule_failures
from contracts.periods import Period
from contracts.validate import check_rows, stack
from tests import returns_factory as factory
from tests.contracts.helpers import check
from tests.contracts.test_rule_coverage import ALL_CASES, RULES_BY_COLLECTION
from tests.returns_factory import COLUMNS, spoil, valid_rows

pytestmark = pytest.mark.contracts


# -- check_rows directly ------------------------------------------------------------------


def test_check_rows_matches_check_file(tmp_path):
    rows = spoil(valid_rows("dsf"), 3, "due_date", "2025-07-01")
    from_file = check(tmp_path, "dsf", rows)
    frame = factory.text_frame(rows, COLUMNS["dsf"])
    direct = check_rows(CONTRACTS["dsf"], frame, Period.parse(factory.PERIOD))
    assert_frame_equal(direct, from_file.failures)
    assert direct.rows() == [(3, "due_date", "period", "2025-07-01")]


# -- the one-pass evaluator gives pandera's own failures -----------------------------------

JUNK = ("", " ", "x", "0", "-1", "3.0", "1.5", "99999", "NaN", "inf", "2025-13-01", "2025-07-01",
        "31/12/2025", "1899", "yes", "SCT4", "0123456789", "1234567890", "ABCDEFGHIJ")  # fmt: skip


def pandera_failures(model, batch: pl.DataFrame) -> pl.DataFrame:
    """What ``model.validate`` finds in ``batch``, as (file, row, column, rule, value)."""
    schema = {FILE_INDEX: pl.Int32, "row": pl.Int64, "column": pl.String, "rule": pl.String}
    try:
        model.validate(batch.drop("row"), lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return pl.DataFrame(schema={**schema, "value": pl.String})
    rule = pl.col("check").str.replace(r"\(.*$", "")
    rows = batch.select(FILE_INDEX, "row").with_row_index("index")
    return (
        cases.join(rows.with_columns(pl.col("index").cast(pl.Int32)), on="index")
        .select(
            FILE_INDEX,
            "row",
            "column",
            pl.when(rule == "not_nullable").then(pl.lit("required")).otherwise(rule).alias("rule"),
            pl.col("failure_case").alias("value"),
        )
        .unique()
    )


def planted_faults(collection: str, seed: int) -> list[pl.DataFrame]:
    """Returns of ``collection``: one per rule case, and many with random junk values."""
    columns = COLUMNS[collection]
    cases = [p.values for p in ALL_CASES if p.values[0] == collection]
    spoiled = [spoil(valid_rows(collection), r, c, v) for _, r, c, v, _ in cases]
    rng = random.Random(seed)
    for _ in range(40):
        rows = valid_rows(collection)
        for _ in range(rng.randint(1, 6)):
            rows = spoil(rows, rng.randint(2, len(rows) + 1), rng.choice(columns), rng.choice(JUNK))
        spoiled.append(rows)
    return [factory.text_frame(rows, columns) for rows in spoiled]


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
def test_one_pass_evaluation_equals_pandera_validate(collection):
    """The fast path reads the contract from the model, so the two cannot drift apart."""
    model = CONTRACTS[collection]
    frames = planted_faults(collection, seed=len(collection))
    batch = stack(frames, [Period.parse(factory.PERIOD)] * len(frames))
    order = [FILE_INDEX, "row", "column", "rule", "value"]
    fast = rule_failures(model, batch).sort(order, nulls_last=True)
    slow = pandera_failures(model, batch).sort(order, nulls_last=True)
    assert_frame_equal(fast, slow)
    assert set(fast["rule"]) >= RULES_BY_COLLECTION[collection]  # every rule was exercised
