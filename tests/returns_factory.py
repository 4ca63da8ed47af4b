"""Valid Trust returns built in code, straight from ``shared/spec/returns.md``.

Nothing here reads the contracts under test: column lists, types and code values are the
spec's own, so a test that compares the contracts' behaviour with these is a real check.
Every row is a ``dict[str, str]`` holding the text a Trust's CSV would hold ("" = empty).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl
import xlsxwriter

ORG = "BHSCT"
PERIOD = "2025-26-Q1"  # 1 April to 30 June 2025
PERIOD_FIRST = dt.date(2025, 4, 1)
PERIOD_LAST = dt.date(2025, 6, 30)

Row = dict[str, str]

# -- HCN: modulus 11, weights 10..2 on the first nine digits (written again, independently) ---


def hcn_check_digit(first_nine: str) -> int | None:
    """11 - (weighted sum mod 11); 11 -> 0; 10 -> no valid check digit (None)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return {11: 0, 10: None}.get(check, check)


def make_hcn(first_nine: str) -> str:
    check = hcn_check_digit(first_nine)
    if check is None:
        raise ValueError(f"{first_nine} has no valid check digit")
    return first_nine + str(check)


HCN_A = make_hcn("943476591")  # 9434765919
HCN_B = make_hcn("472960183")  # 4729601831
HCN_C = make_hcn("987654321")  # 9876543210: check 11 -> 0
NO_CHECK_DIGIT = "123456789"  # weighted sum 210, 210 mod 11 = 1, check 10: no valid HCN

# -- the spec's columns, in the spec's order ----------------------------------------------

COMMON = ("hcn", "worker_id", "birth_year", "sex", "lgd_code", "programme_of_care")
DOMAINS = (
    "control",
    "personal_care",
    "food_drink",
    "safety",
    "social",
    "occupation",
    "accommodation",
    "dignity",
)
EXPECTED = tuple(f"{domain}_expected" for domain in DOMAINS)

COLUMNS: dict[str, tuple[str, ...]] = {
    "star": (
        "reading_id",
        *COMMON,
        "star_version",
        "reading_date",
        "reading_number",
        "area_code",
        "score",
    ),
    "ascot": (
        "assessment_id",
        *COMMON,
        "assessment_date",
        "instrument",
        *DOMAINS,
        *EXPECTED,
        "satisfaction",
    ),
    "dsf": (
        "event_id",
        "hcn",
        "birth_year",
        "sex",
        "lgd_code",
        "programme_of_care",
        "function_code",
        "start_date",
        "due_date",
        "completed_date",
    ),
    "raw": (
        "response_id",
        "hcn",
        "worker_id",
        "birth_year",
        "sex",
        "lgd_code",
        "response_date",
        "respondent",
        "item_code",
        "score",
    ),
    "workforce": (
        "worker_id",
        "snapshot_date",
        "job_role",
        "band",
        "wte",
        "contract_type",
        "aye",
        "age_band",
        "programme_of_care",
        "contracted_days",
        "sickness_days",
        "direct_work_hours",
        "recruitment_days",
    ),
    "indicators": ("indicator_code", "numerator", "denominator", "note"),
}
COLLECTIONS = tuple(COLUMNS)

# Typed columns of each collection as the spec types them; every other column is text.
TYPES: dict[str, dict[str, type[pl.DataType]]] = {
    "star": {
        "birth_year": pl.Int64,
        "reading_date": pl.Date,
        "reading_number": pl.Int64,
        "score": pl.Int64,
    },
    "ascot": {
        "birth_year": pl.Int64,
        "assessment_date": pl.Date,
        **{column: pl.Int64 for column in (*DOMAINS, *EXPECTED, "satisfaction")},
    },
    "dsf": {
        "birth_year": pl.Int64,
        "start_date": pl.Date,
        "due_date": pl.Date,
        "completed_date": pl.Date,
    },
    "raw": {"birth_year": pl.Int64, "response_date": pl.Date, "score": pl.Int64},
    "workforce": {
        "snapshot_date": pl.Date,
        "wte": pl.Float64,
        "aye": pl.Boolean,
        "contracted_days": pl.Int64,
        "sickness_days": pl.Float64,
        "direct_work_hours": pl.Float64,
        "recruitment_days": pl.Int64,
    },
    "indicators": {"numerator": pl.Float64, "denominator": pl.Float64},
}

STAR_AREAS: dict[str, tuple[str, ...]] = {
    "older_people": (
        "staying_well",
        "keeping_in_touch",
        "feeling_positive",
        "dignity",
        "looking_after_yourself",
        "staying_safe",
        "managing_money",
    ),
    "family_plus": (
        "physical_health",
        "wellbeing",
        "emotional_needs",
        "keeping_safe",
        "social_networks",
        "education_learning",
        "boundaries_behaviour",
        "family_routine",
        "home_money",
        "progress_to_work",
    ),
    "recovery": (
        "mental_health",
        "self_care",
        "living_skills",
        "social_networks",
        "work",
        "relationships",
        "addictive_behaviour",
        "responsibilities",
        "identity_self_esteem",
        "trust_hope",
    ),
}
RAW_ITEMS = tuple(f"{d}{n}" for d in "RAW" for n in range(1, 5))
INDICATOR_KINDS = {
    "QI_LEADS": "count",
    "QI_MENTORS": "count",
    "IHI_ADVISERS": "count",
    "LEADERSHIP_COMPLETIONS": "count",
    "LEP_SERVICE_USER_MEMBERS": "count",
    "PUBLIC_RATING_FAIR_OR_BETTER": "proportion",
}

# -- one valid return per collection ------------------------------------------------------
# Spreadsheet rows: header = 1, first data row = 2. The layouts below are what the tests'
# row numbers rely on.

# star: reading RD-A rows 2-8 (older_people), RD-B rows 9-18 (family_plus),
#       RD-C rows 19-28 (recovery).
STAR_READINGS = (
    ("RD-A", "older_people", HCN_A, "W1001", "1941", "F", "N09000003", "POC4", "2025-04-10", "1"),
    ("RD-B", "family_plus", HCN_B, "W1002", "1988", "M", "N09000007", "POC3", "2025-05-20", "2"),
    ("RD-C", "recovery", HCN_C, "W1003", "1975", "X", "N09000001", "POC5", "2025-06-30", "1"),
)
STAR_ROWS = {"RD-A": range(2, 9), "RD-B": range(9, 19), "RD-C": range(19, 29)}

# raw: questionnaire RS-1 rows 2-13 (young person), RS-2 rows 14-25 (social worker).
RAW_ROWS = {"RS-1": range(2, 14), "RS-2": range(14, 26)}


def _star() -> list[Row]:
    rows = []
    for reading_id, version, hcn, worker, born, sex, lgd, poc, day, number in STAR_READINGS:
        for position, area in enumerate(STAR_AREAS[version]):
            rows.append(
                {
                    "reading_id": reading_id,
                    "hcn": hcn,
                    "worker_id": worker,
                    "birth_year": born,
                    "sex": sex,
                    "lgd_code": lgd,
                    "programme_of_care": poc,
                    "star_version": version,
                    "reading_date": day,
                    "reading_number": number,
                    "area_code": area,
                    "score": str(position % 10 + 1),
                }
            )
    return rows


def _ascot() -> list[Row]:
    common = {
        "hcn": HCN_A,
        "worker_id": "W2001",
        "birth_year": "1940",
        "sex": "F",
        "lgd_code": "N09000003",
        "programme_of_care": "POC4",
    }
    interview = {
        "assessment_id": "AS-1",
        **common,
        "assessment_date": "2025-04-01",
        "instrument": "INT4",
        **dict(zip(DOMAINS, "32103210", strict=True)),
        **dict(zip(EXPECTED, "21002100", strict=True)),
        "satisfaction": "2",
    }
    self_completion = {
        "assessment_id": "AS-2",
        **common,
        "hcn": HCN_B,
        "sex": "M",
        "assessment_date": "2025-06-30",
        "instrument": "SCT4",
        **dict(zip(DOMAINS, "33332222", strict=True)),
        **dict.fromkeys(EXPECTED, ""),
        "satisfaction": "7",
    }
    # A domain missing is allowed (the assessment is loaded, left out of SCRQoL).
    partial = {**self_completion, "assessment_id": "AS-3", "hcn": HCN_C, "social": ""}
    partial["satisfaction"] = ""
    return [interview, self_completion, partial]


def _dsf() -> list[Row]:
    common = {
        "hcn": HCN_A,
        "birth_year": "2012",
        "sex": "F",
        "lgd_code": "N09000005",
        "programme_of_care": "POC3",
    }
    return [
        {
            "event_id": "EV-1",
            **common,
            "function_code": "CP_ICPC",
            "start_date": "2025-03-20",  # the clock may start before the period
            "due_date": "2025-04-03",
            "completed_date": "2025-04-02",
        },
        {
            "event_id": "EV-2",
            **common,
            "hcn": HCN_B,
            "birth_year": "1950",
            "programme_of_care": "POC4",
            "function_code": "ASG_INVESTIGATION",
            "start_date": "2025-06-01",
            "due_date": "2025-06-30",
            "completed_date": "",  # still open at period end
        },
    ]


def _raw() -> list[Row]:
    rows = []
    for response_id, respondent in (("RS-1", "young_person"), ("RS-2", "social_worker")):
        for position, item in enumerate(RAW_ITEMS):
            rows.append(
                {
                    "response_id": response_id,
                    "hcn": HCN_A,
                    "worker_id": "W3001",
                    "birth_year": "2009",
                    "sex": "F",
                    "lgd_code": "N09000011",
                    "response_date": "2025-05-14",
                    "respondent": respondent,
                    "item_code": item,
                    "score": str(position % 5),
                }
            )
    return rows


def _workforce() -> list[Row]:
    base = {
        "worker_id": "W4001",
        "snapshot_date": "2025-06-30",
        "job_role": "social_worker",
        "band": "6",
        "wte": "1",
        "contract_type": "permanent",
        "aye": "false",
        "age_band": "30_39",
        "programme_of_care": "POC3",
        "contracted_days": "62",
        "sickness_days": "2.5",
        "direct_work_hours": "180.5",
        "recruitment_days": "",
    }
    newly_qualified = {
        **base,
        "worker_id": "W4002",
        "band": "5",
        "wte": "0.5",
        "aye": "true",
        "age_band": "under_30",
        "contracted_days": "31",
        "sickness_days": "0",
        "direct_work_hours": "",
        "recruitment_days": "74",
    }
    manager = {
        **base,
        "worker_id": "W4003",
        "job_role": "manager",
        "band": "8A",
        "contract_type": "agency",
        "age_band": "60_plus",
        "programme_of_care": "POC7",
        "contracted_days": "60",
        "sickness_days": "0",
        "direct_work_hours": "0",
    }
    return [base, newly_qualified, manager]


def _indicators() -> list[Row]:
    rows = [
        {"indicator_code": code, "numerator": str(n), "denominator": "", "note": ""}
        for n, code in enumerate(INDICATOR_KINDS)
        if INDICATOR_KINDS[code] == "count"
    ]
    rows.append(
        {
            "indicator_code": "PUBLIC_RATING_FAIR_OR_BETTER",
            "numerator": "412",
            "denominator": "500",
            "note": "Omnibus survey, wave 2",
        }
    )
    return rows


_BUILDERS = {
    "star": _star,
    "ascot": _ascot,
    "dsf": _dsf,
    "raw": _raw,
    "workforce": _workforce,
    "indicators": _indicators,
}


def valid_rows(collection: str) -> list[Row]:
    """A fresh copy of a valid return's rows (safe to spoil)."""
    return _BUILDERS[collection]()


def spoil(rows: list[Row], row: int, column: str, value: str) -> list[Row]:
    """``rows`` with one value replaced; ``row`` is the spreadsheet row (first data row 2)."""
    spoiled = [dict(r) for r in rows]
    spoiled[row - 2][column] = value
    return spoiled


# -- writing files ------------------------------------------------------------------------


def file_name(
    collection: str,
    org: str = ORG,
    period: str = PERIOD,
    version: int | None = None,
    ext: str = "csv",
) -> str:
    suffix = "" if version is None else f"_v{version}"
    return f"{collection}_{org}_{period}{suffix}.{ext}"


def _quote(value: str) -> str:
    if any(ch in value for ch in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_csv(
    path: Path,
    rows: Iterable[Row],
    columns: Sequence[str],
    *,
    headers: Sequence[str] | None = None,
    bom: bool = False,
) -> Path:
    """A CSV with ``columns`` in that order; ``headers`` spells the header row if given."""
    lines = [",".join(_quote(h) for h in (headers or columns))]
    lines += [",".join(_quote(row.get(c, "")) for c in columns) for row in rows]
    text = "\n".join(lines) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def write_xlsx_sheets(path: Path, sheets: dict[str, list[Sequence[str]]]) -> Path:
    """A workbook of text cells, sheet by sheet in order; each sheet a list of rows.

    Unlike ``DataFrame.write_excel``, the header row may repeat a name.
    """
    book = xlsxwriter.Workbook(path)
    for title, rows in sheets.items():
        sheet = book.add_worksheet(title)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if value:
                    sheet.write_string(r, c, value)
    book.close()
    return path


def text_frame(rows: Sequence[Row], columns: Sequence[str]) -> pl.DataFrame:
    """The rows as text columns (empty text -> null), one column per name."""
    data = {c: [row.get(c) or None for row in rows] for c in columns}
    return pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))


def typed_frame(collection: str, rows: Sequence[Row], columns: Sequence[str]) -> pl.DataFrame:
    """The rows with the spec's types: as a spreadsheet or a Parquet writer would hold them."""
    frame = text_frame(rows, columns)
    casts = []
    for name, dtype in TYPES[collection].items():
        if name not in columns:
            continue
        column = pl.col(name)
        if dtype == pl.Date:
            casts.append(column.str.to_date("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            casts.append(column.str.to_lowercase().replace_strict({"true": True, "false": False}))
        else:
            casts.append(column.cast(dtype))
    return frame.with_columns(casts)


def write_return(
    directory: Path,
    collection: str,
    rows: Sequence[Row] | None = None,
    *,
    fmt: str = "csv",
    name: str | None = None,
    columns: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    bom: bool = False,
    typed: bool = False,
) -> Path:
    """Write a return (default: the collection's valid one) as CSV, XLSX or Parquet.

    ``typed`` writes XLSX/Parquet cells with the spec's types (numbers, dates, booleans)
    rather than as text.
    """
    rows = valid_rows(collection) if rows is None else rows
    columns = COLUMNS[collection] if columns is None else columns
    path = directory / (name or file_name(collection, ext=fmt))
    if fmt == "csv":
        return write_csv(path, rows, columns, headers=headers, bom=bom)
    frame = typed_frame(collection, rows, columns) if typed else text_frame(rows, columns)
    if headers is not None:
        frame = frame.rename(dict(zip(columns, headers, strict=True)))
    if fmt == "xlsx":
        frame.write_excel(path, worksheet="Return")
    elif fmt == "parquet":
        frame.write_parquet(path)
    else:
        raise ValueError(f"unknown format {fmt}")
    return path
