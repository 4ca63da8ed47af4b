"""Check a return against its contract: every failure of every row, nothing loaded.

Rows in = rows passed + rows failed, always. Readings and questionnaires pass or fail whole:
a row of a failing unit that passed on its own fails with the unit's rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import polars as pl

from contracts.checks import FILE_INDEX, PERIOD_FIRST, PERIOD_LAST, parsed
from contracts.contract import Contract, as_contract, contract
from contracts.evaluate import evaluate
from contracts.files import RefusedFile, ReturnFile, parse_name, refusal
from contracts.landed import StillBeingWritten, landed_bytes, named_bytes
from contracts.limits import Limits
from contracts.periods import Period
from contracts.readers import read_return

SOURCE_ROW = "source_row"  # the row as a spreadsheet shows it: header = 1, first data row = 2
FAILURE_SCHEMA = {"row": pl.Int64, "column": pl.String, "rule": pl.String, "value": pl.String}
IDENTIFIERS = ("hcn", "worker_id")  # shown masked in failures; pseudonymised at ingest
HCN_SHAPED = r"^[0-9]{3} ?[0-9]{3} ?[0-9]{4}$"  # ten digits, as an hcn is written or spaced


@dataclass
class CheckedReturn:
    """One file's result. ``valid`` holds the typed rows that passed (identifiers still raw)."""

    path: Path
    file: ReturnFile | None = None
    refused: str | None = None
    rows: int = 0
    failures: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FAILURE_SCHEMA))
    valid: pl.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    sha256: str | None = None  # of the bytes that were checked (if asked for)
    being_written: bool = False  # the file changed while it was read: check it again later

    @property
    def failed(self) -> int:
        return self.failures["row"].n_unique()

    @property
    def passed(self) -> int:
        return self.rows - self.failed


def check_file(
    path: Path | ReturnFile, *, in_landing: bool = False, limits: Limits | None = None
) -> CheckedReturn:
    """Parse the name, read and check one return file. Never raises for bad input."""
    return next(check_files([path], in_landing=in_landing, limits=limits))


BATCH_ROWS = 1_000_000  # rows checked together at most (a file is never split): bounds memory


def check_files(
    paths: Sequence[Path | ReturnFile],
    *,
    in_landing: bool = False,
    limits: Limits | None = None,
    digest: bool = True,
) -> Iterator[CheckedReturn]:
    """Check many returns, yielding results in the order of ``paths``.

    Files of one collection are checked together (a pass over the rules costs per batch, not
    per file), in batches of at most ``BATCH_ROWS`` rows, and each result is let go once
    yielded, so memory does not grow with the number of files. Each file's result is what
    checking it alone gives.

    A path is a file's name as a user gave it; a ``ReturnFile`` says which return the file
    at its path holds (an archived copy, say). ``in_landing``: the paths are in the landing
    folder (``<landing>/<collection>/<name>``), read without following any symlink there.
    ``limits``: files over them are refused before they are parsed. ``digest``: each
    result's ``sha256`` (what a load records; a check alone has no use for it).
    """
    waiting: list[CheckedReturn] = []  # in order, not yet yielded
    pending: list[_Read] = []  # read, not yet checked
    pending_rows = 0
    for result, read in _read_ahead(paths, in_landing, limits, digest):
        if read is not None and pending_rows + read.frame.height > BATCH_ROWS:
            _check_pending(pending)
            pending_rows = 0
            yield from waiting
            waiting.clear()
        waiting.append(result)
        if read is not None:
            pending.append(read)
            pending_rows += read.frame.height
        elif not pending:
            yield from waiting
            waiting.clear()
    _check_pending(pending)
    yield from waiting


def _read_ahead(
    paths: Sequence[Path | ReturnFile], in_landing: bool, limits: Limits | None, digest: bool
) -> Iterator[tuple[CheckedReturn, _Read | None]]:
    """Each path's result and read, in order; the next file is read in a thread while the
    caller checks this one (polars reads and checks outside the GIL: one alone keeps about
    one core busy). One file ahead at most, so memory stays bounded."""
    with ThreadPoolExecutor(max_workers=1) as reader:
        ahead = None
        for path in paths:
            result = CheckedReturn(path=path.path if isinstance(path, ReturnFile) else path)
            if isinstance(path, ReturnFile):
                result.file = path
            following = reader.submit(_read_into, result, in_landing, limits, digest)
            if ahead is not None:
                yield ahead.result()
            ahead = following
        if ahead is not None:
            yield ahead.result()


def _read_into(result: CheckedReturn, in_landing, limits, digest):
    return result, _read(result, in_landing, limits, digest)


# A CSV's integer columns are read as numbers where every value of them reads as one: their
# text is not parsed again by the rules. A file that then fails a rule in one of them is read
# again as text and checked again, so that each failure shows the value as written.
TYPED_READ = True


@dataclass
class _Read:
    result: CheckedReturn
    frame: pl.DataFrame  # the contract's columns, as text or (some) typed
    text: bytes | None  # the file's bytes, kept while some columns are typed


def _read(
    result: CheckedReturn, in_landing: bool, limits: Limits | None, digest: bool
) -> _Read | None:
    """The contract's columns of the file (None if refused); fills in the result."""
    try:
        result.file = result.file or parse_name(result.path)
        data = (landed_bytes if in_landing else named_bytes)(result.path, digest=digest)
        result.sha256 = data.sha256
        checked = contract(result.file.collection)
        frame = read_return(result.file, data.data, limits, _typed_read(checked))
        columns = checked.columns
        result.warnings = _check_columns(frame, columns)
    except RefusedFile as error:
        result.refused = refusal(result.path, error)
        return None
    except StillBeingWritten as error:
        result.refused, result.being_written = str(error), True
        return None
    result.rows = frame.height
    typed = any(dtype != pl.String for dtype in frame.schema.values())
    return _Read(result, frame[list(columns)], data.data if typed else None)


def _typed_read(checked: Contract) -> dict[str, pl.DataType] | None:
    """The columns a CSV is read typed as, if it reads so."""
    integers = {column: pl.Int64 for column, kind in checked.types if kind == "integer"}
    return integers if TYPED_READ and integers else None


def _check_pending(pending: list[_Read]) -> None:
    """Check the files read so far, a collection at a time (those read typed apart from
    those read as text), and let go of them."""

    def group(read: _Read) -> tuple[str, bool]:
        return read.result.file.collection, read.text is not None

    for collection, typed in dict.fromkeys(map(group, pending)):
        checked = contract(collection)
        batch = [read for read in pending if group(read) == (collection, typed)]
        _check_batch(checked, [read.result for read in batch], [read.frame for read in batch])
        if typed:
            _again_as_text(checked, batch)
    pending.clear()


def _again_as_text(checked: Contract, batch: list[_Read]) -> None:
    """Files that failed a rule in a column read typed, read as text and checked again: a
    failure shows the value as written ("+7", "07"), not the number read."""
    typed = [column for column, dtype in batch[0].frame.schema.items() if dtype != pl.String]
    again = [read for read in batch if read.result.failures["column"].is_in(typed).any()]
    if again:
        frames = [read_return(r.result.file, r.text)[list(checked.columns)] for r in again]
        _check_batch(checked, [read.result for read in again], frames)


def _check_batch(
    checked: Contract, results: list[CheckedReturn], frames: list[pl.DataFrame]
) -> None:
    batch = stack(frames, [Period.parse(r.file.period) for r in results])
    # every row typed in the pass that checks them (the rules parse the same values)
    failures, rows = _failures_of_batch(checked, batch, typed=True)
    rows = rows.rename({"row": SOURCE_ROW})
    starts = pl.Series([0, *accumulate(frame.height for frame in frames)])
    failed = starts.gather(failures[FILE_INDEX]) + failures["row"] - 2  # positions in the batch
    passed = pl.repeat(True, batch.height, eager=True).scatter(failed, False)
    by_file = failures.partition_by(FILE_INDEX, as_dict=True, include_key=False)
    for index, (result, frame) in enumerate(zip(results, frames, strict=True)):
        result.failures = by_file.get((index,), pl.DataFrame(schema=FAILURE_SCHEMA))
        # a file's rows are a slice of the batch (no copy); a Series mask filters them cheaply
        start = starts[index]
        result.valid = rows.slice(start, frame.height)
        if (index,) in by_file:
            result.valid = result.valid.filter(passed.slice(start, frame.height))


def _check_columns(frame: pl.DataFrame, columns: tuple[str, ...]) -> list[str]:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RefusedFile(f"missing mandatory column {', '.join(missing)}")
    extra = [c for c in frame.columns if c not in columns]
    return [f"unknown column {c} ignored (not loaded)" for c in extra]


def check_rows(model, frame: pl.DataFrame, period: Period) -> pl.DataFrame:
    """Every (row, column, rule, value) failure of the rows of ``frame`` for ``period``
    (``model``: a pandera model or its ``Contract``)."""
    return _failures_of_batch(as_contract(model), stack([frame], [period]))[0].drop(FILE_INDEX)


def _failures_of_batch(
    checked: Contract, batch: pl.DataFrame, *, typed: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Failures of several files' rows checked together, with the file each came from; and
    with ``typed``, every row typed, from the same pass."""
    failures, rows = evaluate(checked, batch, typed=typed)
    failures = _fail_whole_units(checked, batch, failures)
    return mask_identifiers(failures).sort(FILE_INDEX, "row", "column", "rule"), rows


def stack(frames: list[pl.DataFrame], periods: list[Period]) -> pl.DataFrame:
    """Files' rows as one batch, each with its period, its file's index and its ``row``."""
    return pl.concat(
        [
            frame.with_columns(
                pl.lit(period.first_day).alias(PERIOD_FIRST),
                pl.lit(period.last_day).alias(PERIOD_LAST),
                pl.lit(index, dtype=pl.Int32).alias(FILE_INDEX),
                _row_number(),
            )
            for index, (frame, period) in enumerate(zip(frames, periods, strict=True))
        ]
    )


def _row_number() -> pl.Expr:
    """The row as a spreadsheet shows it: the header is row 1."""
    return (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("row")


def _fail_whole_units(
    checked: Contract, frame: pl.DataFrame, failures: pl.DataFrame
) -> pl.DataFrame:
    """Rows of a failing reading/questionnaire that passed on their own get the unit's rule."""
    if checked.unit is None or failures.is_empty():
        return failures
    column, unit_rule = checked.unit
    rows = frame.select(FILE_INDEX, "row", pl.col(column).alias("unit"))
    failed_rows = failures.select(FILE_INDEX, "row").unique()
    failing_units = rows.join(failed_rows, on=[FILE_INDEX, "row"]).drop_nulls("unit")
    knock_on = (
        rows.join(failing_units.select(FILE_INDEX, "unit").unique(), on=[FILE_INDEX, "unit"])
        .join(failed_rows, on=[FILE_INDEX, "row"], how="anti")
        .select(
            FILE_INDEX,
            "row",
            pl.lit(column).alias("column"),
            pl.lit(unit_rule).alias("rule"),
            pl.col("unit").alias("value"),
        )
    )
    return pl.concat([failures, knock_on])


def unit_of(model) -> tuple[str, str] | None:
    """The column that groups rows into a whole unit, and the unit's rule, if any."""
    return as_contract(model).unit


def mask_identifiers(failures: pl.DataFrame) -> pl.DataFrame:
    """Identifiers show only their last three characters: the row number finds the row.

    So does a value shaped like a Health and Care Number in any column: in a row whose
    columns are shifted, an ``hcn`` may fail another column's rule.
    """
    value = pl.col("value")
    masked = pl.concat_str(
        pl.lit("*").repeat_by(value.str.len_chars() - 3).list.join(""), value.str.slice(-3)
    )
    identifier = pl.col("column").is_in(IDENTIFIERS) | value.str.contains(HCN_SHAPED)
    return failures.with_columns(
        pl.when(identifier & (value.str.len_chars() > 3))
        .then(masked)
        .when(identifier & value.is_not_null())
        .then(pl.lit("***"))
        .otherwise(value)
        .alias("value")
    )


def typed(model, frame: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    """The rows that passed, each column read as its contract's type, with ``source_row``
    (``model``: a pandera model or its ``Contract``)."""
    failed = failures.select(pl.col("row").unique())
    rows = frame.with_columns(_row_number().alias(SOURCE_ROW))
    rows = rows.join(failed, left_on=SOURCE_ROW, right_on="row", how="anti")
    return rows.select(SOURCE_ROW, *_typed_columns(model))


def _typed_columns(model) -> tuple[pl.Expr, ...]:
    """Each column read as the type its checks name (text if none)."""
    return tuple(
        pl.col(name) if kind is None else parsed(kind, name).alias(name)
        for name, kind in as_contract(model).types
    )
