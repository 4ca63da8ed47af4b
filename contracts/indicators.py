"""``indicators``: aggregate indicator returns, one row per indicator (returns.md)."""

import pandera.polars as pa

from contracts import fields, reference

_INDICATOR = {"indicator": "indicator_code"}


class IndicatorsReturn(pa.DataFrameModel):
    """Aggregate indicator returns, one row per indicator; period by the file's period.

    Counts (QI leads and mentors, improvement advisers, leadership completions, service users
    on Local Engagement Partnerships) and one proportion (public survey respondents rating
    social workers fair or better, with its denominator). REGION and the Trusts may both
    submit.
    """

    indicator_code: str = pa.Field(
        nullable=False,
        code={"allowed": reference.column("indicators", "indicator_code")},
        duplicate_key={"key": ("indicator_code",)},
    )
    numerator: str = fields.decimal(low=0)
    denominator: str = fields.decimal(
        low=0,
        low_open=True,
        required=False,
        denominator_required=_INDICATOR,
        denominator_for_count=_INDICATOR,
        denominator_below_numerator={**_INDICATOR, "numerator": "numerator"},
    )
    note: str = fields.text(required=False)
