"""``workforce``: social work staff snapshot at quarter end, one row per post holder."""

import pandera.polars as pa

from contracts import fields, reference


class WorkforceReturn(pa.DataFrameModel):
    """Social work staff snapshot, one row per post holder at quarter end; period by
    `snapshot_date`, the period's last day.

    Role, band, whole-time equivalent, contract type, Assessed Year in Employment, age band,
    programme of care, contracted and sickness days in the quarter, direct work hours and,
    for new starters, days from advert to start.
    """

    worker_id: str = fields.worker_id(duplicate_key={"key": ("worker_id",)})
    snapshot_date: str = fields.date(in_period=True, snapshot_date={})
    job_role: str = fields.coded(reference.codes("job_role"))
    band: str = fields.coded(reference.codes("band"))
    wte: str = fields.decimal(low=0, high=1, low_open=True)
    contract_type: str = fields.coded(reference.codes("contract_type"))
    aye: str = fields.boolean()
    age_band: str = fields.coded(reference.codes("age_band"))
    programme_of_care: str = fields.programme_of_care()
    contracted_days: str = fields.integer(low=0, high=92)
    sickness_days: str = fields.decimal(
        low=0, sickness_over_contracted={"contracted": "contracted_days"}
    )
    direct_work_hours: str = fields.decimal(low=0, required=False)
    recruitment_days: str = fields.integer(low=0, required=False)
