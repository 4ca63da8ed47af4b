"""``ascot``: ASCOT assessments, one row per assessment (returns.md)."""

import pandera.polars as pa

from contracts import fields, reference


def _domain(**checks):
    return fields.integer(low=0, high=3, required=False, **checks)


def _expected():
    return _domain(expected_for_sct4={"instrument": "instrument"})


class AscotReturn(pa.DataFrameModel):
    """ASCOT assessments, one row per assessment; period by `assessment_date`.

    The current state of the eight ASCOT domains (0-3: 3 ideal state ... 0 high-level unmet
    needs), for `INT4` interviews also the expected state without services, and overall
    satisfaction (1-7). An assessment with a domain missing is loaded, and left out of the
    SCRQoL measures.
    """

    assessment_id: str = fields.text(duplicate_key={"key": ("assessment_id",)})
    hcn: str = fields.hcn()
    worker_id: str = fields.worker_id()
    birth_year: str = fields.birth_year(dated_by="assessment_date")
    sex: str = fields.sex()
    lgd_code: str = fields.lgd_code()
    programme_of_care: str = fields.programme_of_care()
    assessment_date: str = fields.date(in_period=True)
    instrument: str = fields.coded(reference.codes("instrument"))
    control: str = _domain()
    personal_care: str = _domain()
    food_drink: str = _domain()
    safety: str = _domain()
    social: str = _domain()
    occupation: str = _domain()
    accommodation: str = _domain()
    dignity: str = _domain()
    control_expected: str = _expected()
    personal_care_expected: str = _expected()
    food_drink_expected: str = _expected()
    safety_expected: str = _expected()
    social_expected: str = _expected()
    occupation_expected: str = _expected()
    accommodation_expected: str = _expected()
    dignity_expected: str = _expected()
    satisfaction: str = fields.integer(low=1, high=7, required=False)
