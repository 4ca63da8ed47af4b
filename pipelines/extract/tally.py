"""How many figures each disclosure rule hid, for the outcome tables and for each breakdown
dimension (the gate report and the notes sheet say it, so that a reader sees how thin the
figures are and how much secondary suppression cost)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines.extract.disclosure import REASONS, measure_catalog

OUTCOME_TABLES = "outcome tables"


@dataclass(frozen=True)
class SuppressionCount:
    """One table of the pack (the outcome tables, or the breakdowns by one dimension)."""

    table: str  # OUTCOME_TABLES or a breakdown dimension
    rows: int  # rows of measures under disclosure control, every period of the pack
    hidden_by: tuple[tuple[str, int], ...]  # (reason, rows), every reason of REASONS

    @property
    def hidden(self) -> int:
        return sum(n for _, n in self.hidden_by)

    @property
    def shown(self) -> int:
        return self.rows - self.hidden

    @property
    def shown_percent(self) -> float:
        return 100.0 * self.shown / self.rows if self.rows else 100.0

    def by(self, reason: str) -> int:
        return dict(self.hidden_by)[reason]

    @property
    def label(self) -> str:
        return self.table if self.table == OUTCOME_TABLES else f"breakdowns by {self.table}"

    def text(self) -> str:
        """One line: rows shown and, for each rule that hid any, how many it hid."""
        hidden = ", ".join(f"{REASONS[r]} {n}" for r, n in self.hidden_by if n)
        return (
            f"{self.label}: {self.rows} rows under disclosure control, {self.shown} shown "
            f"({self.shown_percent:.1f}%), {self.hidden} suppressed"
            + (f": {hidden}" if hidden else "")
        )


def count_suppressions(
    reasons: pl.DataFrame,
    catalog: pl.DataFrame,
    *,
    rows: pl.DataFrame | None = None,
    breakdowns: pl.DataFrame | None = None,
) -> tuple[SuppressionCount, ...]:
    """Per table of the published ``rows`` (outcome tables) and ``breakdowns`` (by dimension,
    in order of appearance): the rows under disclosure control and the reasons of the hidden
    ones (``disclosure.Disclosed.reasons``, the same rows' keys)."""
    controlled = measure_catalog(catalog).filter(pl.col("controlled"))["measure_code"]
    key = ["measure_code", "org", "dimension", "category", "period"]
    parts = []
    if rows is not None:
        parts.append(rows.with_columns(dimension=pl.lit(""), category=pl.lit("")))
    if breakdowns is not None:
        parts.append(breakdowns)
    if not parts:
        return ()
    published = pl.concat([p.select(key) for p in parts]).filter(
        pl.col("measure_code").is_in(controlled.implode())
    )
    why = published.join(reasons.select(*key, "reason"), on=key, how="left")
    out = []
    for (dimension,), group in why.group_by("dimension", maintain_order=True):
        counts = dict(group["reason"].drop_nulls().value_counts().iter_rows())
        out.append(
            SuppressionCount(
                table=dimension or OUTCOME_TABLES,
                rows=group.height,
                hidden_by=tuple((r, counts.get(r, 0)) for r in REASONS),
            )
        )
    return tuple(out)
