"""``star``: Outcomes Star readings, one row per area score (returns.md)."""

import pandera.polars as pa

from contracts import fields, reference


class StarReturn(pa.DataFrameModel):
    """Outcomes Star readings, one row per area score; period by `reading_date`.

    A reading scores every area of its Star version (`older_people`, `family_plus`,
    `recovery`) on the Journey of Change, 1-10; `reading_number` 1 is the person's first
    (baseline) reading. A reading is loaded whole or not at all: where any of its rows fails,
    or an area is missing, every row of it is quarantined (`incomplete_reading`).
    """

    reading_id: str = fields.text(
        duplicate_key={"key": ("reading_id", "area_code")},
        incomplete_reading={"version": "star_version", "area": "area_code"},
    )
    hcn: str = fields.hcn()
    worker_id: str = fields.worker_id()
    birth_year: str = fields.birth_year(dated_by="reading_date")
    sex: str = fields.sex()
    lgd_code: str = fields.lgd_code()
    programme_of_care: str = fields.programme_of_care()
    star_version: str = fields.coded(reference.column("star_versions", "star_version"))
    reading_date: str = fields.date(in_period=True)
    reading_number: str = fields.integer(low=1)
    area_code: str = fields.text(area_for_version={"version": "star_version"})
    score: str = fields.integer(low=1, high=10)
