"""Tables shown in the Dagster UI as asset metadata (Markdown)."""

import polars as pl

# who answers for every asset (Dagster owners: a team or an e-mail address)
OWNERS = ["team:data-engineering"]


def markdown_table(frame: pl.DataFrame) -> str:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    for row in frame.iter_rows():
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)
