"""``raw``: RAW relationship questionnaires, one row per item (returns.md)."""

import pandera.polars as pa

from contracts import fields, reference


class RawReturn(pa.DataFrameModel):
    response_id: str = fields.text(
        duplicate_key={"key": ("response_id", "item_code")},
        incomplete_response={"item": "item_code"},
    )
    hcn: str = fields.hcn()
    worker_id: str = fields.worker_id()
    birth_year: str = fields.birth_year(
        dated_by="response_date", age_over_21={"dated_by": "response_date"}
    )
    sex: str = fields.sex()
    lgd_code: str = fields.lgd_code()
    response_date: str = fields.date(in_period=True)
    respondent: str = fields.coded(reference.codes("respondent"))
    item_code: str = fields.coded(reference.column("raw_items", "item_code"))
    score: str = fields.integer(low=0, high=4)
