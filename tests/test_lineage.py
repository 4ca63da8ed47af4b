"""Usage lineage: column-level lineage to measures, the cull report and the data pages."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from sqlglot import parse_one
from sqlglot.optimizer.scope import build_scope

from pipelines.extract.usage import record_delivery
from pipelines.lineage import (
    REPORT_COLUMNS,
    build_report,
    cull_report,
    item_lineage,
    query_dependencies,
    read_catalog,
    read_usage,
    write_cull_report,
    write_data_pages,
)
from pipelines.lineage.graph import measure_branches
from pipelines.lineage.report import CatalogItem, Usage, window_periods
from pipelines.lineage.sql import ROWS
from pipelines.warehouse import connect

DSF_FUNCTIONS = [
    "CP_ICPC",
    "CP_REVIEW",
    "LAC_REVIEW",
    "ASG_INVESTIGATION",
    "MH_ASW_ASSESSMENT",
    "CARER_ASSESSMENT",
]
# the person record's field that places a record in each breakdown dimension's categories
DIMENSIONS = {
    "lgd_code": "lgd",
    "programme_of_care": "programme_of_care",
    "sex": "sex",
    "birth_year": "age_band",
}
NO_DELIVERIES = pl.DataFrame(
    schema={
        "delivered_at": pl.Datetime("us"),
        "consumer": pl.String,
        "period": pl.String,
        "measures": pl.List(pl.String),
        "pack_sha256": pl.String,
        "out_dir": pl.String,
    }
)


@pytest.fixture(scope="module")
def lineage(regional):
    settings, _, _, _ = regional
    return item_lineage(settings)


@pytest.fixture(scope="module")
def report(regional, lineage):
    settings, _, _, _ = regional
    return cull_report(settings, lineage=lineage)


def _row(report: pl.DataFrame, collection: str, item: str) -> dict:
    rows = report.filter((pl.col("collection") == collection) & (pl.col("item") == item))
    assert rows.height == 1
    return rows.row(0, named=True)


def _deliveries(*rows: tuple[dt.datetime, str, list[str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "delivered_at": at,
                "consumer": "ODB",
                "period": period,
                "measures": measures,
                "pack_sha256": "x",
                "out_dir": "x",
            }
            for at, period, measures in rows
        ],
        schema=NO_DELIVERIES.schema,
    )


# -- the column walk on a single query ----------------------------------------------------------


def test_a_column_used_only_in_a_predicate_is_a_dependency():
    schema = {
        "events": {"id": "int", "fn": "text", "due": "date", "done": "date", "note": "text"},
        "fns": {"fn": "text"},
    }
    sql = """
        with flagged as (
            select id, fn, coalesce(done <= due, false) as on_time from events
        ),
        latest as (
            select * from flagged
            qualify row_number() over (partition by fn order by id desc) = 1
        )
        select
            fns.fn,
            count(latest.id) as due_count,
            count(*) filter (latest.on_time) as on_time_count
        from fns
        left join latest on fns.fn = latest.fn
        group by fns.fn
    """
    deps = query_dependencies(sql, schema).columns
    # due and done reach only the count that reads the on-time flag (a FILTER condition)
    assert ("events", "due") in deps["on_time_count"]
    assert ("events", "done") in deps["on_time_count"]
    assert ("events", "due") not in deps["due_count"]
    # the join key, the window partition and ordering decide the rows of every output column
    for column in ("fn", "due_count", "on_time_count"):
        assert {("events", "fn"), ("events", "id"), ("fns", "fn")} <= deps[column]
    assert all(("events", "note") not in d for d in deps.values())


def test_case_conditions_where_and_scalar_subqueries_count():
    schema = {"t": {"a": "int", "b": "int", "c": "int", "d": "int"}, "u": {"e": "int"}}
    deps = query_dependencies(
        "select case when b > 0 then a end as x, (select max(e) from u) as y from t where c = 1",
        schema,
    )
    assert deps.values["x"] == {("t", "a"), ("t", "b")}
    assert deps.values["y"] == {("u", "e"), ("u", ROWS)}
    assert deps.rows == {("t", "c"), ("t", ROWS)}
    assert ("t", "d") not in deps.columns["x"] | deps.columns["y"]


# -- lineage of the real dbt models -------------------------------------------------------------


def test_lineage_resolves_every_catalog_measure(lineage):
    assert lineage.warnings == []
    # the outcome marts' measures: not the LGD rates (breakdowns only), nor the measures of
    # the returns themselves (no outcome: they reach no collected item)
    catalog = pl.read_csv("seeds/measures.csv").filter(
        ~pl.col("breakdown_only") & pl.col("outcome").is_not_null()
    )
    codes = catalog["measure_code"].to_list()
    assert list(lineage.measures) == codes
    marts = {m.mart.rsplit(".", 1)[1] for m in lineage.measures.values()}
    assert marts == {"outcome1", "outcome2", "outcome3", "outcome4"}


def test_due_date_reaches_the_on_time_rates_through_a_predicate(lineage):
    reached = set(lineage.reaches("dsf", "due_date"))
    on_time = {"O3_DSF_ON_TIME_PCT"} | {f"O3_DSF_ON_TIME_PCT_{f}" for f in DSF_FUNCTIONS}
    assert {m for m in reached if "/" not in m} == on_time
    # and the on-time share in every breakdown; the due count by age band only (a DSF
    # record's age is the year of its due date minus its birth year)
    assert {m for m in reached if "/" in m} == {
        *(f"O3_DSF_ON_TIME_PCT/{d}" for d in DIMENSIONS.values()),
        "O3_DSF_DUE/age_band",
    }
    # computed codes are expanded from the dsf_functions seed, per function
    assert set(lineage.reaches("dsf", "function_code")) == {
        f"O3_DSF_{kind}_{f}" for kind in ("DUE", "ON_TIME_PCT") for f in DSF_FUNCTIONS
    }


def test_window_orderings_and_case_conditions_reach_their_measures(lineage):
    assert "O1_ASCOT_SCRQOL_MEAN" in lineage.reaches("ascot", "assessment_date")
    assert lineage.reaches("ascot", "instrument") == ("O3_ASCOT_GAIN_MEAN",)
    assert "O3_ASCOT_GAIN_MEAN" in lineage.reaches("ascot", "control_expected")
    assert "O1_ASCOT_SCRQOL_MEAN" not in lineage.reaches("ascot", "control_expected")
    # pseudonymised identifiers map back to the items the Trust recorded
    assert "O4_RETENTION_PCT" in lineage.reaches("workforce", "worker_id")
    assert "O1_STAR_PEOPLE" in lineage.reaches("star", "hcn")
    # the branch filtered to PUBLIC_RATING_FAIR_OR_BETTER is the only user of denominator
    assert lineage.reaches("indicators", "denominator") == ("O4_PUBLIC_RATING_PCT",)


def _broken_down(dimensions: tuple[str, ...]) -> set[str]:
    """``<code>/<dimension>`` for every breakdown of the catalog by one of ``dimensions``."""
    catalog = pl.read_csv("seeds/measures.csv").select("measure_code", "breakdowns")
    return {
        f"{code}/{d}"
        for code, listed in catalog.iter_rows()
        for d in (listed or "").split()
        if d in dimensions
    }


def test_the_extract_pack_is_a_dbt_exposure_over_the_four_marts_and_the_breakdowns(lineage):
    pack = lineage.exposures["odb_extract_pack"]
    assert pack.owner == "Outcomes Delivery Board"
    assert pack.type in ("analysis", "dashboard")
    marts = sorted(m.rsplit(".", 1)[1] for m in pack.marts)
    assert marts == ["breakdowns", *(f"outcome{n}" for n in range(1, 5))]
    every = _broken_down(tuple(DIMENSIONS.values()))
    assert set(pack.measures) == set(lineage.measures) | every
    # the partner pack: the breakdowns mart, its LGD breakdowns only (data minimisation)
    partner = lineage.exposures["community_planning_pack"]
    assert [m.rsplit(".", 1)[1] for m in partner.marts] == ["breakdowns"]
    assert set(partner.measures) == _broken_down(("lgd",))
    assert "O1_STAR_PEOPLE_PER_10K/lgd" in partner.measures


def test_the_demographic_fields_reach_exactly_the_breakdowns_by_their_dimension(lineage):
    catalog = pl.read_csv("seeds/measures.csv")
    for collection in ("star", "ascot", "dsf", "raw"):
        for field, dimension in DIMENSIONS.items():
            expected = {
                f"{code}/{dimension}"
                for code, source, listed in catalog.select(
                    "measure_code", "source_collection", "breakdowns"
                ).iter_rows()
                if source == collection and dimension in (listed or "").split()
            }
            assert set(lineage.reaches(collection, field)) == expected, (collection, field)
            # raw has no programme of care; every other one reaches something
            assert bool(expected) == ((collection, field) != ("raw", "programme_of_care"))


# -- the cull report ----------------------------------------------------------------------------


def test_every_catalog_item_appears_exactly_once(report):
    catalog = read_catalog()
    assert report.columns == list(REPORT_COLUMNS)
    assert report.select("collection", "item").rows() == [(i.collection, i.item) for i in catalog]
    assert report.select("collection", "item").is_unique().all()
    assert set(report["verdict"]) <= {"used", "unused", "unread"}


def test_a_free_text_item_reaches_nothing(report):
    note = _row(report, "indicators", "note")
    assert note["reaches"] == ""
    assert note["verdict"] == "unused"
    assert note["last_used"] is None
    assert note["recommend_cull"] is True


def test_reaches_lists_measures_then_the_exposure(report):
    reaches = _row(report, "dsf", "due_date")["reaches"].split(";")
    assert reaches[0] == "O3_DSF_ON_TIME_PCT"
    assert reaches[-3:] == [
        "O3_DSF_ON_TIME_PCT/age_band",
        "exposure:odb_extract_pack",
        "exposure:community_planning_pack",
    ]


def test_statutory_items_are_never_recommended_for_culling(regional, lineage, report):
    settings, _, _, _ = regional
    usage = read_usage(settings)
    quiet = build_report(read_catalog(), lineage, Usage(usage.periods, usage.rows, NO_DELIVERIES))
    for frame in (report, quiet):
        statutory = frame.filter(pl.col("statutory"))
        assert statutory.height == 10  # the dsf return
        assert not statutory["recommend_cull"].any()
    # with nothing delivered, every non-statutory item is a candidate; statutory ones are not
    assert quiet.filter(~pl.col("statutory"))["recommend_cull"].all()
    assert _row(quiet, "dsf", "start_date")["verdict"] == "unused"
    assert _row(quiet, "dsf", "due_date")["verdict"] == "unread"


def test_verdict_moves_from_unread_to_used_after_a_delivery(regional, lineage):
    settings, _, _, _ = regional
    usage = read_usage(settings)
    catalog = read_catalog()
    before = build_report(catalog, lineage, Usage(usage.periods, usage.rows, NO_DELIVERIES))
    assert _row(before, "dsf", "due_date")["verdict"] == "unread"
    assert _row(before, "dsf", "due_date")["last_used"] is None

    # a delivery of an old period sets last_used but leaves it unread
    old = dt.datetime(2026, 1, 5, 9, 30)
    stale = build_report(
        catalog,
        lineage,
        Usage(usage.periods, usage.rows, _deliveries((old, "2015-16-Q1", ["O3_DSF_ON_TIME_PCT"]))),
    )
    assert _row(stale, "dsf", "due_date")["verdict"] == "unread"
    assert _row(stale, "dsf", "due_date")["last_used"] == old

    # a real delivery in the window, through the usage log
    marker = "test-lineage-delivery"
    delivered_at = dt.datetime(2099, 1, 1, 12, 0)
    with connect(settings.warehouse) as con:
        record_delivery(
            con,
            consumer="ODB",
            period=usage.periods[1],
            measures=["O3_DSF_ON_TIME_PCT_CP_ICPC"],
            pack_sha256=marker,
            out_dir=settings.home / "extracts",
            delivered_at=delivered_at,
        )
    try:
        after = cull_report(settings, lineage=lineage)
    finally:
        with connect(settings.warehouse) as con:
            con.execute("delete from usage.deliveries where pack_sha256 = ?", [marker])
    for item in ("due_date", "completed_date", "function_code", "event_id"):
        row = _row(after, "dsf", item)
        assert row["verdict"] == "used"
        assert row["last_used"] == delivered_at
    assert _row(after, "dsf", "start_date")["verdict"] == "unused"
    assert _row(after, "dsf", "due_date")["recommend_cull"] is False


def test_measures_stored_as_comma_separated_text_are_read_too(lineage):
    deliveries = NO_DELIVERIES.with_columns(pl.col("measures").cast(pl.String))
    deliveries = pl.concat(
        [
            deliveries,
            pl.DataFrame(
                {
                    "delivered_at": [dt.datetime(2026, 2, 1)],
                    "consumer": ["ODB"],
                    "period": ["2025-26-Q3"],
                    "measures": ["O4_QI_LEADS,O4_QI_MENTORS"],
                    "pack_sha256": ["x"],
                    "out_dir": ["x"],
                },
                schema=deliveries.schema,
            ),
        ]
    )
    usage = Usage(window_periods("2025-26-Q4"), {}, deliveries)
    out = build_report(read_catalog(), lineage, usage)
    assert _row(out, "indicators", "numerator")["verdict"] == "used"
    assert _row(out, "indicators", "denominator")["verdict"] == "unread"


def test_burden_is_rows_in_the_last_four_periods_times_seconds(lineage, regional):
    assert window_periods("2025-26-Q2") == ["2025-26-Q2", "2025-26-Q1", "2024-25-Q4", "2024-25-Q3"]
    catalog = [
        CatalogItem("star", "score", False, 45.0, "x"),
        CatalogItem("star", "area_code", False, 0.5, "x"),
        CatalogItem("indicators", "numerator", False, 900.0, "x"),
        CatalogItem("raw", "score", False, 15.0, "x"),
    ]
    usage = Usage(["2025-26-Q1"], {"star": 720, "indicators": 26}, NO_DELIVERIES)
    out = build_report(catalog, lineage, usage)
    # 720 x 45 / 3600 = 9; 720 x 0.5 / 3600 = 0.1; 26 x 900 / 3600 = 6.5; no raw rows = 0
    assert out["burden_hours_per_year"].to_list() == [9.0, 0.1, 6.5, 0.0]

    # on the warehouse: current file versions of the last four periods, every org
    settings, _, _, _ = regional
    usage = read_usage(settings)
    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute(
            "select sum(rows) from ingest.file_versions "
            "where is_current and collection = 'dsf' and period in (select unnest(?::varchar[]))",
            [usage.periods],
        ).fetchall()[0][0]
    assert usage.rows["dsf"] == rows > 0
    report = build_report(read_catalog(), lineage, usage)
    assert _row(report, "dsf", "due_date")["burden_hours_per_year"] == round(rows * 10 / 3600, 3)


# -- outputs ------------------------------------------------------------------------------------


def test_write_cull_report_and_data_pages(regional, lineage, tmp_path):
    settings, _, _, _ = regional
    out = write_cull_report(settings, tmp_path / "cull.csv", lineage=lineage)
    written = pl.read_csv(out)
    assert written.columns == list(REPORT_COLUMNS)
    assert written.height == len(read_catalog())

    pages = write_data_pages(settings, tmp_path / "pages", lineage=lineage)
    names = sorted(p.name for p in pages)
    collections = sorted({i.collection for i in read_catalog()})
    assert names == sorted(["index.html"] + [f"what_happens_{c}.html" for c in collections])
    dsf = (tmp_path / "pages" / "what_happens_dsf.html").read_text()
    assert "<style>" in dsf and "<script" not in dsf
    assert not re.search(r"(src|href)=\"https?:", dsf)  # self-contained
    assert "Share of those completed on or before due_date" in dsf  # plain definitions
    assert "Required by law" in dsf
    index = (tmp_path / "pages" / "index.html").read_text()
    assert all(f"what_happens_{c}.html" in index for c in collections)


def test_a_filter_on_org_and_period_passes_through_to_the_measure_branches():
    """The incremental measure models' scope filter (macros/scope.sql) keeps whole measures;
    a filter on the measure code does not."""
    union = (
        "select 'A' as measure_code, org, period from t "
        "union all select 'B' as measure_code, org, period from t"
    )

    def branches(where: str) -> int:
        sql = f"with final as ({union}) select measure_code, org, period from final where {where}"
        return len(measure_branches(build_scope(parse_one(sql))))

    assert branches("org in ('REGION', 'WHSCT') and period >= '2025-26-Q1'") == 2
    assert branches("true") == 2
    assert branches("measure_code <> 'B'") == 1  # the filtered select itself: codes unknown
