"""``datapackage.json``: the pack's CSV files described as a Frictionless Data Package.

One Table Schema per file (types, enums for codes, a pattern for periods, the primary key, a
foreign key to the measure catalogue, the empty string as the missing value), with each file's
size and sha256, so that ``frictionless validate datapackage.json`` checks both the content and
the integrity of the files. The gate runs that validation (``validate_datapackage``).

A resource is one ``TableResource`` in ``pack_resources``: a future ``csv/breakdowns.csv`` is one
more entry, keyed on (measure_code, dimension, category, period) (``mart_fields`` plus its two
columns).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from contracts import reference
from pipelines.extract.disclosure import UNITS
from pipelines.extract.facts import PackFacts
from pipelines.safe_text import safe_frame

PERIOD_PATTERN = r"\d{4}-\d{2}-Q[1-4]"
# free text must not start like a spreadsheet formula (=, +, -, @, tab, carriage return)
TEXT_PATTERN = r"[^=+\-@\t\r].*"
OBA_TYPES = ("how_much", "how_well", "better_off", "population")
DIRECTIONS = ("up", "down", "none")
MISSING = [""]
MEASURES = "measures"
MEASURES_PATH = "csv/measures.csv"
MEASURE_FIELDS: dict[str, dict[str, Any]] = {
    "measure_code": {
        "type": "string",
        "description": "The measure's code (measures.md)",
        "constraints": {"required": True, "unique": True, "pattern": "[A-Z0-9_]+"},
    },
    "outcome": {
        "type": "integer",
        "description": "The E-Framework outcome, 1 to 4",
        "constraints": {"required": True, "enum": [1, 2, 3, 4]},
    },
    "oba_type": {
        "type": "string",
        "description": "Outcomes Based Accountability question",
        "constraints": {"required": True, "enum": list(OBA_TYPES)},
    },
    "unit": {
        "type": "string",
        "description": "What the value is: a count, sum, percent (0-100), mean or median",
        "constraints": {"required": True, "enum": list(UNITS)},
    },
    "direction_of_good": {
        "type": "string",
        "description": "up: higher is better; down: lower is better; none: no preference",
        "constraints": {"required": True, "enum": list(DIRECTIONS)},
    },
    "source_collection": {
        "type": "string",
        "description": "The return the measure is built from",
        "constraints": {"required": True, "enum": list(reference.collections())},
    },
    "disclosure_control": {
        "type": "boolean",
        "description": "true where disclosure control applies (records about people)",
        "trueValues": ["true"],
        "falseValues": ["false"],
        "constraints": {"required": True},
    },
    "definition": {
        "type": "string",
        "description": "The measure's definition",
        "constraints": {"required": True, "pattern": TEXT_PATTERN},
    },
    "short_name": {
        "type": "string",
        "description": "A short name for readers of the summary",
        "constraints": {"pattern": TEXT_PATTERN},
    },
}


@dataclass(frozen=True)
class TableResource:
    name: str
    path: str  # relative to the pack's folder
    title: str
    description: str
    fields: list[dict[str, Any]]
    primary_key: list[str]
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)

    def descriptor(self, folder: Path) -> dict[str, Any]:
        data = (folder / self.path).read_bytes()
        schema: dict[str, Any] = {
            "fields": self.fields,
            "primaryKey": self.primary_key,
            "missingValues": MISSING,
        }
        if self.foreign_keys:
            schema["foreignKeys"] = self.foreign_keys
        return {
            "name": self.name,
            "path": self.path,
            "profile": "tabular-data-resource",
            "title": self.title,
            "description": self.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": len(data),
            "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
            "schema": schema,
        }


def _code(name: str, description: str, values: Sequence[Any], kind: str = "string") -> dict:
    return {
        "name": name,
        "type": kind,
        "description": description,
        "constraints": {"required": True, "enum": list(values)},
    }


def _number(name: str, description: str) -> dict:
    return {"name": name, "type": "number", "description": description}


def mart_fields(codes: Sequence[str], orgs: Sequence[str], outcomes: Sequence[int]) -> list[dict]:
    """The Table Schema fields of the mart columns (measures.md, "Shape of every mart row")."""
    fields = [
        _code("outcome", "The E-Framework outcome", outcomes, "integer"),
        _code("measure_code", "The measure (csv/measures.csv)", codes),
        _code("oba_type", "Outcomes Based Accountability question", OBA_TYPES),
        _code("org", "A Trust code, or REGION (pooled records of all Trusts)", orgs),
        {
            "name": "period",
            "type": "string",
            "description": "Financial year quarter, YYYY-YY-Qn",
            "constraints": {"required": True, "pattern": PERIOD_PATTERN},
        },
        _number("numerator", "The count or sum the value is made of; empty if suppressed"),
        _number("denominator", "What the numerator is divided by; empty for a count or sum"),
        _number("value", "The measure (percent 0-100 to 1 dp, means to 2 dp); empty if suppressed"),
        {
            "name": "baseline_period",
            "type": "string",
            "description": "The first period with a value for this measure and org",
            "constraints": {"pattern": PERIOD_PATTERN},
        },
        _number("baseline_value", "The value in the baseline period; empty before it"),
        _number("change_from_baseline", "value - baseline_value"),
        {
            "name": "suppressed",
            "type": "boolean",
            "description": "true where disclosure control hid the figures",
            "trueValues": ["true"],
            "falseValues": ["false"],
            "constraints": {"required": True},
        },
    ]
    return fields


def _measure_foreign_key() -> dict[str, Any]:
    return {
        "fields": ["measure_code"],
        "reference": {"resource": MEASURES, "fields": ["measure_code"]},
    }


def pack_resources(catalog: pl.DataFrame, orgs: Sequence[str]) -> list[TableResource]:
    """The pack's CSV files: the four outcome tables, then the measure catalogue."""
    resources = []
    for outcome in (1, 2, 3, 4):
        codes = catalog.filter(pl.col("outcome").cast(pl.Int32) == outcome)["measure_code"]
        resources.append(
            TableResource(
                name=f"outcome{outcome}",
                path=f"csv/outcome{outcome}.csv",
                title=f"Outcome {outcome} measures by org and period",
                description="One row per (measure, org, period) up to the pack's period, with "
                "disclosure control applied (suppressed figures empty, suppressed = true)",
                fields=mart_fields(codes.to_list(), orgs, [outcome]),
                primary_key=["measure_code", "org", "period"],
                foreign_keys=[_measure_foreign_key()],
            )
        )
    resources.append(
        TableResource(
            name=MEASURES,
            path=MEASURES_PATH,
            title="Measure catalogue",
            description="Every measure's code, outcome, OBA question, unit and definition",
            fields=[
                {"name": c} | MEASURE_FIELDS.get(c, {"type": "string"}) for c in catalog.columns
            ],
            primary_key=["measure_code"],
        )
    )
    return resources


def write_measures_csv(path: Path, catalog: pl.DataFrame) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_frame(catalog).write_csv(path)  # no text a spreadsheet could run
    return path


def write_datapackage(folder: Path, resources: Sequence[TableResource], facts: PackFacts) -> Path:
    """``datapackage.json`` over the (already written) resources in ``folder``."""
    descriptor = {
        "profile": "tabular-data-package",
        "name": f"odb-extract-{facts.period.lower()}",
        "title": f"Social Work Outcomes: ODB extract pack, {facts.period}",
        "description": f"Outcome measures for {facts.periods_text}, by Trust and for the region, "
        f"disclosure control applied; data as at {facts.data_as_at_text}.",
        "created": facts.built_at.replace(" ", "T"),
        "sources": [{"title": "Social Work Outcomes Warehouse: outcome marts"}],
        "resources": [resource.descriptor(folder) for resource in resources],
    }
    path = folder / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class PackageError:
    resource: str
    type: str  # frictionless error type, e.g. primary-key, foreign-key, type-error
    title: str
    note: str
    row: int | None = None  # the row's position in the file (the header is row 1)
    field: str | None = None

    def __str__(self) -> str:
        where = "".join(
            [
                f" row {self.row}" if self.row is not None else "",
                f" field {self.field}" if self.field else "",
            ]
        )
        return f"{self.resource}{where}: {self.title} ({self.note}) [{self.type}]"


@dataclass(frozen=True)
class PackageValidation:
    valid: bool
    resources: tuple[tuple[str, bool, int], ...]  # (name, valid, rows)
    errors: tuple[PackageError, ...] = ()

    @property
    def message(self) -> str:
        if self.valid:
            return f"data package valid ({len(self.resources)} resources)"
        shown = "; ".join(str(e) for e in self.errors[:5])
        more = f" and {len(self.errors) - 5} more" if len(self.errors) > 5 else ""
        return f"data package invalid: {len(self.errors)} error(s): {shown}{more}"


def validate_datapackage(path: Path) -> PackageValidation:
    """``frictionless validate`` of the descriptor: schemas, keys, sizes and hashes."""
    import frictionless

    report = frictionless.validate(str(path))
    errors = [
        PackageError(
            resource="datapackage.json",
            type=error.type,
            title=error.title,
            note=error.note,
        )
        for error in report.errors
    ]
    resources = []
    for task in report.tasks:
        resources.append((task.name, task.valid, int(task.stats.get("rows") or 0)))
        errors += [
            PackageError(
                resource=task.name,
                type=error.type,
                title=error.title,
                note=error.note,
                row=getattr(error, "row_number", None),
                field=getattr(error, "field_name", None),
            )
            for error in task.errors
        ]
    return PackageValidation(valid=report.valid, resources=tuple(resources), errors=tuple(errors))
