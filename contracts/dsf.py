"""``dsf``: Delegated Statutory Functions events, one row per statutory event (returns.md)."""

import pandera.polars as pa

from contracts import fields, reference


class DsfReturn(pa.DataFrameModel):
    """Delegated Statutory Functions events, one row per statutory event; period by `due_date`.

    Each event is one statutory function (child protection conferences, looked-after child
    reviews, adult safeguarding investigations, approved social work assessments, carer's
    assessments) with the day its clock started, the day it is due and the day it was
    completed (empty: still open at the period end).
    """

    event_id: str = fields.text(duplicate_key={"key": ("event_id",)})
    hcn: str = fields.hcn()
    birth_year: str = fields.birth_year(dated_by="due_date")
    sex: str = fields.sex()
    lgd_code: str = fields.lgd_code()
    programme_of_care: str = fields.programme_of_care()
    function_code: str = fields.coded(reference.column("dsf_functions", "function_code"))
    start_date: str = fields.date()
    due_date: str = fields.date(in_period=True, due_before_start={"start": "start_date"})
    completed_date: str = fields.date(
        required=False, completed_before_start={"start": "start_date"}
    )
