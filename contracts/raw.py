"""``raw``: RAW relationship questionnaires, one row per item (returns.md)."""

import pandera.polars as pa

from contracts import fields, reference


class RawReturn(pa.DataFrameModel):
    """RAW (Real, Authentic, Warm) relationship responses, one row per item; period by
    `response_date`.

    The young person (under 22) rates the relationship with their social worker on twelve
    items (`R1`-`R4`, `A1`-`A4`, `W1`-`W4`, 0 never ... 4 always); the social worker completes
    the reflective version. A questionnaire is loaded whole or not at all
    (`incomplete_response`).
    """

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
