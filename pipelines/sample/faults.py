"""Planted faults: a known share of rows spoiled, each so that it fails exactly one rule.

Cross-field rules that a change could also break are avoided, so the quarantine can be checked
against ``planted_faults.csv`` row by row.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import polars as pl

from contracts import reference
from contracts.periods import Period
from pipelines.sample.report import PlantedFault

# The (rule, column) pairs each collection's rows can be spoiled with.
PERSON_FAULTS = [
    ("required", "hcn"),
    ("required", "sex"),
    ("required", "birth_year"),
    ("hcn_check_digit", "hcn"),
    ("hcn_format", "hcn"),
    ("code", "sex"),
    ("code", "lgd_code"),
]
FAULTS = {
    "star": [
        *PERSON_FAULTS,
        ("required", "worker_id"),
        ("required", "score"),
        ("code", "programme_of_care"),
        ("range", "score"),
        ("integer", "score"),
        ("integer", "reading_number"),
        ("date", "reading_date"),
        ("period", "reading_date"),
    ],
    "ascot": [
        *PERSON_FAULTS,
        ("required", "worker_id"),
        ("required", "assessment_date"),
        ("code", "programme_of_care"),
        ("range", "control"),
        ("range", "safety"),
        ("range", "satisfaction"),
        ("integer", "dignity"),
        ("integer", "birth_year"),
        ("date", "assessment_date"),
        ("period", "assessment_date"),
    ],
    "dsf": [
        *PERSON_FAULTS,
        ("required", "function_code"),
        ("required", "due_date"),
        ("code", "function_code"),
        ("code", "programme_of_care"),
        ("integer", "birth_year"),
        ("date", "start_date"),
        ("date", "due_date"),
        ("date", "completed_date"),
        ("period", "due_date"),
        ("due_before_start", "due_date"),
    ],
    "raw": [
        ("required", "hcn"),
        ("required", "worker_id"),
        ("required", "score"),
        ("hcn_check_digit", "hcn"),
        ("hcn_format", "hcn"),
        ("code", "sex"),
        ("code", "lgd_code"),
        ("range", "score"),
        ("integer", "score"),
        ("date", "response_date"),
        ("period", "response_date"),
    ],
    "workforce": [
        ("required", "worker_id"),
        ("required", "job_role"),
        ("required", "band"),
        ("required", "wte"),
        ("code", "job_role"),
        ("code", "band"),
        ("code", "contract_type"),
        ("code", "age_band"),
        ("range", "wte"),
        ("range", "contracted_days"),
        ("range", "sickness_days"),
        ("integer", "contracted_days"),
        ("integer", "recruitment_days"),
        ("date", "snapshot_date"),
        ("sickness_over_contracted", "sickness_days"),
    ],
}
GROUPED = {"star": "reading_id", "raw": "response_id"}  # at most one fault per reading/response
OUT_OF_RANGE = {
    ("star", "score"): ("0", "11"),
    ("raw", "score"): ("5", "-1"),
    ("ascot", "control"): ("4",),
    ("ascot", "safety"): ("4", "-1"),
    ("ascot", "satisfaction"): ("0", "8"),
    ("workforce", "wte"): ("1.5", "0"),
    ("workforce", "contracted_days"): ("93",),
    ("workforce", "sickness_days"): ("-1.0",),
}
NOT_INTEGER = ("abc", "x", "3a")
NOT_A_CODE = {  # tried in order: the first that is not in the column's list
    "sex": ("Q", "Z", "FM"),
    "lgd_code": ("N09000012", "N09000099", "N0900"),
    "programme_of_care": ("POC9", "POC1", "POCX"),
    "function_code": ("CP_CONFERENCE", "REVIEW", "OTHER"),
    "job_role": ("social_work_assistant", "nurse", "other"),
    "band": ("9", "4", "8E"),
    "contract_type": ("bank", "casual", "other"),
    "age_band": ("70_plus", "20_29", "unknown"),
}


def _code_list(column: str) -> tuple[str, ...]:
    if column == "lgd_code":
        return reference.column("lgds", "lgd_code")
    if column == "programme_of_care":
        return reference.column("programmes_of_care", "poc_code")
    if column == "function_code":
        return reference.column("dsf_functions", "function_code")
    return reference.codes(column)


def _fault_value(collection: str, rule: str, column: str, row: dict, period: Period, rng):
    """The corrupted value for one cell, or ``...`` where this fault does not fit the row."""
    value = row[column]
    if rule == "required":
        return None if value is not None else ...
    if rule == "hcn_check_digit":
        return value[:9] + str((int(value[9]) + int(rng.integers(1, 10))) % 10)
    if rule == "hcn_format":
        if rng.random() < 0.5:
            return value[:9]
        at = int(rng.integers(1, 9))
        return value[:at] + "ABCDEFGHJK"[int(value[at])] + value[at + 1 :]
    if rule == "code":
        valid = set(_code_list(column))
        return next(c for c in NOT_A_CODE[column] if c not in valid)
    if rule == "range":
        choices = OUT_OF_RANGE[(collection, column)]
        return choices[int(rng.integers(len(choices)))]
    if rule == "integer":
        if value is None or (column == "contracted_days" and float(row["sickness_days"]) != 0):
            return ...  # an unreadable contracted_days would also void the sickness check
        return NOT_INTEGER[int(rng.integers(len(NOT_INTEGER)))]
    if rule == "sickness_over_contracted":
        contracted = int(row["contracted_days"])
        return str(contracted + float(rng.choice([0.5, 1.0, 2.5, 5.0])))
    if value is None:  # the rules below change a date that is there
        return ...
    date = dt.date.fromisoformat(value)
    if rule == "date":
        month = int(rng.integers(1, 13)) if rng.random() < 0.3 else date.month
        return f"{date.year}-{month:02d}-{calendar.monthrange(date.year, month)[1] + 1:02d}"
    if rule == "period":
        if collection == "dsf":  # later: keeps due_date >= start_date
            return (period.last_day + dt.timedelta(days=int(rng.integers(1, 40)))).isoformat()
        return (period.first_day - dt.timedelta(days=int(rng.integers(1, 40)))).isoformat()
    if rule == "due_before_start":  # due moved before the start, still inside the period
        start = dt.date.fromisoformat(row["start_date"])
        room = min(10, (start - period.first_day).days)
        if room < 1:
            return ...
        return (start - dt.timedelta(days=int(rng.integers(1, room + 1)))).isoformat()
    raise ValueError(f"unknown fault rule {rule!r}")


def plant_faults(
    collection: str,
    frame: pl.DataFrame,
    name: str,
    period: Period,
    rng,
    share: float,
    *,
    count: int | None = None,
):
    """Corrupt ~``share`` of the rows of one file (or ``count`` rows), one fault each; returns
    (frame, faults)."""
    menu = FAULTS.get(collection)
    if not menu or (share <= 0 if count is None else count <= 0) or frame.is_empty():
        return frame, []
    n = len(frame)
    wanted = int(np.floor(n * share + rng.random())) if count is None else count
    group = GROUPED.get(collection)
    if group:  # one row in each of `wanted` distinct readings / questionnaires
        keys = frame[group].to_numpy()
        first = np.nonzero(np.r_[True, keys[1:] != keys[:-1]])[0]
        sizes = np.diff(np.r_[first, n])
        chosen = np.sort(rng.choice(len(first), min(wanted, len(first)), replace=False))
        rows = first[chosen] + (rng.random(len(chosen)) * sizes[chosen]).astype(np.int64)
    else:
        rows = np.sort(rng.choice(n, min(wanted, n), replace=False))
    rules = sorted({rule for rule, _ in menu})
    changes: dict[str, tuple[list[int], list[str | None]]] = {}
    faults = []
    for i in rows.tolist():
        row = frame.row(i, named=True)
        for rule in rng.permutation(rules).tolist():
            columns = [c for r, c in menu if r == rule]
            column = columns[int(rng.integers(len(columns)))]
            value = _fault_value(collection, rule, column, row, period, rng)
            if value is not ... and value != row[column]:
                changes.setdefault(column, ([], []))
                changes[column][0].append(i)
                changes[column][1].append(value)
                faults.append(PlantedFault(name, i + 2, column, rule, value))
                break
    columns = {c: frame[c].scatter(idx, vals) for c, (idx, vals) in sorted(changes.items())}
    return frame.with_columns(**columns), faults
