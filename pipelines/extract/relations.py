"""Which published figures are linked (measures.md, disclosure rule 6), as data.

``seeds/measure_relations.csv`` states the relations, one row per member:

- ``over_orgs``: for one (measure, figure), REGION's figure = Σ the Trusts' (the Trusts with a
  row; REGION pools their records). Only for counts of events and questionnaires and their sums:
  REGION counts a person once, so people counts are not listed (they keep rule 3).
- ``over_categories``: for one (measure, figure), REGION's figure (marts) = Σ the categories of a
  breakdown dimension (``dimension`` names one; empty: every dimension the rows have).
- ``sum``: the ``total`` member = Σ the ``part`` members, for each org (and breakdown cell).
- ``same``: the members are one count published twice (or more), for each org (and cell).
- ``at_most``: the ``smaller`` member <= the ``larger`` one, for each org (and cell).

A relation applies where its rows exist (a ``sum``: the total and every part). Each one is
checked on the true values: a seed row that does not hold stops the extract.

``linked_cells`` is the adapter from rows to the generic model of ``secondary``: give it pack
rows, and breakdown rows (with ``dimension`` and ``category``; org REGION) stacked under them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from contracts import reference
from pipelines.extract.secondary import LinkedCells

REGION = "REGION"
KINDS = ("over_orgs", "over_categories", "sum", "same", "at_most")
ROLES = {"sum": ("total", "part"), "at_most": ("smaller", "larger")}
FIGURES_BY_UNIT = {
    "count": ("value",),
    "sum": ("value",),
    "percent": ("numerator", "denominator"),
    "mean": ("numerator", "denominator"),
    "median": ("denominator",),
}
SUMS = {("sum", "value"), ("mean", "numerator")}  # not counts: no lower bound
RELATION_COLUMNS = ("relation", "kind", "role", "measure_code", "figure", "dimension")
TOLERANCE = 1e-6


def load_relations(frame: pl.DataFrame | None = None) -> pl.DataFrame:
    """The relation seed (or ``frame`` in its shape), checked; empty text as ""."""
    source = "seeds/measure_relations.csv" if frame is None else "relations"
    rel = reference.seed("measure_relations") if frame is None else frame
    missing = set(RELATION_COLUMNS) - set(rel.columns)
    if missing:
        raise ValueError(f"{source}: missing column(s) {', '.join(sorted(missing))}")
    rel = rel.select(pl.col(c).cast(pl.String).fill_null("") for c in RELATION_COLUMNS)
    for name, group in rel.group_by("relation", maintain_order=True):
        kind = group["kind"].unique().to_list()
        problem = _check(kind[0] if len(kind) == 1 else None, group)
        if problem:
            raise ValueError(f"{source}: relation {name[0]!r}: {problem}")
    return rel


def _check(kind: str | None, group: pl.DataFrame) -> str | None:
    if kind not in KINDS:
        return f"kind must be one of {', '.join(KINDS)} (one per relation)"
    bad = set(group["figure"]) - {"value", "numerator", "denominator"}
    if bad:
        return "figure must be value, numerator or denominator"
    roles = group["role"].to_list()
    if kind in ("over_orgs", "over_categories"):
        return None if group.height == 1 and roles == [""] else "one member, no role"
    if kind == "same":
        return None if group.height >= 2 and set(roles) == {""} else "two members or more, no role"
    first, other = ROLES[kind]
    if roles.count(first) != 1 or set(roles) != {first, other}:
        return f"one {first} member and at least one {other}"
    if kind == "at_most" and group.height != 2:
        return "exactly two members"
    return None


@dataclass
class PeriodCells:
    """The linked cells of one period, with what each cell is."""

    period: str
    cells: LinkedCells
    keys: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    # (measure_code, org, dimension, category, figure) of each cell
    of_row: dict[tuple[int, str], int] = field(default_factory=dict)  # (row id, figure) -> cell


def linked_measures(relations: pl.DataFrame) -> set[str]:
    return set(relations["measure_code"])


def linked_cells(
    rows: pl.DataFrame, units: Mapping[str, str], relations: pl.DataFrame
) -> list[PeriodCells]:
    """One ``PeriodCells`` per period of ``rows``: a cell per figure of every row of a linked
    measure, and every relation of the seed that applies.

    ``rows``: ``_row`` (an id per row), ``measure_code``, ``org``, ``period``, ``dimension`` and
    ``category`` ("" on pack rows), ``numerator``, ``denominator``, ``value`` (true values).
    """
    linked = linked_measures(relations)
    frame = rows.filter(pl.col("measure_code").is_in(linked))
    out = []
    for (period,), group in frame.group_by("period", maintain_order=True):
        out.append(_period_cells(period, group.to_dicts(), units, relations))
    return sorted(out, key=lambda p: p.period)


def _period_cells(
    period: str, rows: list[dict], units: Mapping[str, str], relations: pl.DataFrame
) -> PeriodCells:
    values, row_ids, counts, order = [], [], [], []
    pc = PeriodCells(period, LinkedCells(values, row_ids, counts, order))
    cell: dict[tuple[str, str, str, str, str], int] = {}
    for row in rows:
        unit = units[row["measure_code"]]
        place = (row["measure_code"], row["org"], row["dimension"], row["category"])
        for figure in FIGURES_BY_UNIT[unit]:
            key = (*place, figure)
            cell[key] = len(values)
            pc.of_row[(row["_row"], figure)] = len(values)
            pc.keys.append(key)
            values.append(row[figure])
            row_ids.append(row["_row"])
            counts.append((unit, figure) not in SUMS)
            order.append((row["org"] == REGION, row["org"], *place[2:], place[0], figure))
    places = {k[:4] for k in cell}
    for name, group in relations.group_by("relation", maintain_order=True):
        members = group.to_dicts()
        for instance in _instances(members, cell, places):
            _add(pc, name[0], members[0]["kind"], instance)
    return pc


def _instances(members: list[dict], cell: dict, places: set) -> list[list[int]]:
    """The cells of each instance of one relation: [total, parts...] or [members...]."""
    kind = members[0]["kind"]
    if kind in ("over_orgs", "over_categories"):
        member = members[0]
        measure, figure, dimension = member["measure_code"], member["figure"], member["dimension"]
        total = cell.get((measure, REGION, "", "", figure))
        if total is None:
            return []
        parts: dict[str, list[int]] = defaultdict(list)
        for (m, org, dim, _, f), n in cell.items():
            if m != measure or f != figure:
                continue
            if kind == "over_orgs" and org != REGION and dim == "":
                parts[""].append(n)
            elif kind == "over_categories" and dim != "" and dimension in ("", dim):
                parts[dim].append(n)
        return [[total, *sorted(p)] for p in parts.values()]
    ordered = sorted(members, key=lambda m: m["role"] not in ("total", "smaller"))
    found = []
    for place in sorted({p[1:] for p in places}):
        ids = [cell.get((m["measure_code"], *place, m["figure"])) for m in ordered]
        present = [n for n in ids if n is not None]
        complete = len(present) >= 2 if kind == "same" else len(present) == len(ids)
        if complete:
            found.append(present)
    return found


def _add(pc: PeriodCells, name: str, kind: str, ids: list[int]) -> None:
    values = [pc.cells.values[n] for n in ids]
    where = pc.keys[ids[0]]
    if any(v is None for v in values):
        raise ValueError(f"relation {name!r}: an empty figure at {_place(where, pc.period)}")
    first, rest = values[0], values[1:]
    slack = TOLERANCE * max(1.0, *(abs(v) for v in values))
    if kind == "same":
        holds = all(abs(v - first) <= slack for v in rest)
    elif kind == "at_most":
        holds = first <= rest[0] + slack
    else:
        holds = abs(first - sum(rest)) <= slack
    if not holds:
        raise ValueError(
            f"seeds/measure_relations.csv: relation {name!r} does not hold at "
            f"{_place(where, pc.period)}: the figures are not linked as it says"
        )
    if kind == "same":
        pc.cells.same.append(tuple(ids))
    elif kind == "at_most":
        pc.cells.at_most.append((ids[0], ids[1]))
    else:
        pc.cells.sums.append((ids[0], tuple(ids[1:])))


def _place(key: tuple, period: str) -> str:
    measure, org, dimension, category, _ = key
    cell = f" {dimension}={category}" if dimension else ""
    return f"{measure} {org}{cell} {period}"
