"""The pack and the cull report as their users reach them: `sws` commands and Dagster assets."""

from __future__ import annotations

import json
import shutil

import openpyxl
import polars as pl
import pytest
from dagster import DagsterInstance, materialize

from pipelines.defs.assets.extract import GATE_CHECK, PACK_KEY, PARTNER_PACK_KEY
from pipelines.defs.assets.lineage import CULL_REPORT
from pipelines.defs.definitions import build_defs
from pipelines.extract import write_pack
from pipelines.extract.usage import deliveries
from pipelines.lineage import build_report, cull_report, item_lineage, read_catalog, read_usage
from pipelines.lineage.report import Usage
from pipelines.warehouse import connect

PARTNER = "community-planning"
PERIOD = "2025-26-Q4"
TRUSTS = ("BHSCT", "NHSCT", "SEHSCT", "SHSCT", "WHSCT")
# the fields of a person record that place it in a breakdown's categories
DEMOGRAPHIC = ("lgd_code", "sex", "birth_year", "programme_of_care")
PERSON_COLLECTIONS = ("star", "ascot", "dsf", "raw")


def _deliveries(settings) -> int:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute("select count(*) from usage.deliveries").fetchall()[0][0]


def test_sws_extract_publishes_the_pack_and_says_where(regional, sws, tmp_path):
    settings = regional[0]
    before = _deliveries(settings)
    run = sws("extract", "--period", "2025-26-Q4", "--out", tmp_path / "pack", "--for", "Test")
    assert run.status == 0, run.err
    assert run.out.startswith(f"ODB extract pack for 2025-26-Q4 (Test) published in {tmp_path}")
    assert (tmp_path / "pack" / "odb_extract_2025-26-Q4.xlsx").is_file()
    assert (tmp_path / "pack" / "report.html").is_file()
    assert _deliveries(settings) == before + 1
    with connect(settings.warehouse) as con:  # leave the shared warehouse as it was
        con.execute("delete from usage.deliveries where consumer = 'Test'")


def test_sws_extract_for_a_period_with_no_data_exits_2(regional, sws):
    run = sws("extract", "--period", "2016-17-Q1")
    assert run.status == 2
    assert run.err.startswith("sws extract: ")
    assert "2016-17-Q1" in run.err


def _materialise_through_the_gate(key, settings, period: str) -> None:
    result = materialize(
        [build_defs(settings).resolve_assets_def(key)],  # bound to this warehouse
        partition_key=period,
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed) == (GATE_CHECK, True)


def test_the_pack_asset_materialises_one_period_through_its_gate(regional):
    settings = regional[0]
    _materialise_through_the_gate(PACK_KEY, settings, "2025-26-Q3")
    assert (settings.home / "extracts" / "2025-26-Q3" / "report.html").is_file()
    with connect(settings.warehouse) as con:
        con.execute("delete from usage.deliveries where period = '2025-26-Q3'")


def test_sws_cull_report_lists_every_catalog_item(regional, sws, tmp_path):
    out = tmp_path / "cull.csv"
    run = sws("cull-report", "--out", out)
    assert run.status == 0, run.err
    report = pl.read_csv(out)
    catalog = pl.read_csv("seeds/collection_catalog.csv")
    assert report.height == catalog.height
    assert report.columns == [
        "collection",
        "item",
        "statutory",
        "reaches",
        "last_used",
        "verdict",
        "recommend_cull",
        "burden_hours_per_year",
    ]
    assert not report.filter(pl.col("statutory") & pl.col("recommend_cull")).height


def test_the_cull_report_asset_writes_report_and_pages(regional):
    settings = regional[0]
    result = materialize(
        [build_defs(settings).resolve_assets_def(CULL_REPORT)],
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    assert (settings.home / "cull_report.csv").is_file()
    assert (settings.home / "data_pages" / "index.html").is_file()


# -- the Community Planning partner pack --------------------------------------------------


def _delivered(settings, consumer: str) -> pl.DataFrame:
    with connect(settings.warehouse, read_only=True) as con:
        return deliveries(con).filter(pl.col("consumer") == consumer)


@pytest.fixture(scope="module")
def partner(regional):
    """``sws extract --period P --for community-planning`` once on the shared load; its
    delivery and folder are removed afterwards."""
    from contextlib import redirect_stderr, redirect_stdout
    from io import StringIO

    from pipelines.cli import main

    settings = regional[0]
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["extract", "--period", PERIOD, "--for", PARTNER])
    folder = settings.home / "extracts" / PARTNER / PERIOD
    yield settings, status, out.getvalue() + err.getvalue(), folder
    with connect(settings.warehouse) as con:
        con.execute("delete from usage.deliveries where consumer = ?", [PARTNER])
    shutil.rmtree(folder, ignore_errors=True)


def test_sws_extract_for_community_planning_publishes_the_partner_pack(partner):
    settings, status, output, folder = partner
    assert status == 0, output
    assert output.startswith(
        f"Community Planning partner pack for {PERIOD} ({PARTNER}) published in {folder}"
    )
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert names == {
        f"partner_extract_{PERIOD}.xlsx",
        "csv/breakdowns.csv",
        "csv/measures.csv",
        "datapackage.json",
        "report.html",
        "SHA256SUMS",
        "gate/validation_result.json",
        "gate/report.html",
    }
    gate = json.loads((folder / "gate" / "validation_result.json").read_text())
    assert gate["success"] is True
    assert gate["disclosure_audit"]["passed"] is True
    assert gate["disclosure_audit"]["protected"] > 0
    assert [c["table"] for c in gate["suppression"]] == ["lgd"]  # what this pack publishes
    assert "disclosure audit passed" in output
    # its delivery is logged under its consumer, with what it carries
    [delivery] = _delivered(settings, PARTNER).to_dicts()
    assert delivery["period"] == PERIOD and delivery["out_dir"] == str(folder)
    assert "O1_ASCOT_PEOPLE_PER_10K/lgd" in delivery["measures"]
    assert not [m for m in delivery["measures"] if "/" in m and not m.endswith("/lgd")]


def test_the_partner_pack_holds_only_the_lgd_breakdowns_and_their_definitions(partner):
    settings, status, _, folder = partner
    assert status == 0
    rows = pl.read_csv(folder / "csv" / "breakdowns.csv", infer_schema_length=None)
    with connect(settings.warehouse, read_only=True) as con:
        true = con.sql("from marts.breakdowns where dimension = 'lgd'").pl()
        catalog = con.sql("from reference.measures").pl()
        lgds = [c for (c,) in con.execute("select lgd_code from reference.lgds").fetchall()]
        versions = con.execute("select file_name from ingest.file_versions").fetchall()
        file_names = [f for (f,) in versions]
    # data minimisation: the region's LGD cells, every period up to P, nothing else
    assert set(rows["dimension"]) == {"lgd"} and set(rows["org"]) == {"REGION"}
    assert set(rows["category"]) == set(lgds)
    assert rows.height == true.filter(pl.col("period") <= PERIOD).height
    assert max(rows["period"]) == PERIOD
    by_lgd = catalog.filter(pl.col("breakdowns").str.contains("lgd"))["measure_code"]
    measures = pl.read_csv(folder / "csv" / "measures.csv")
    assert measures["measure_code"].to_list() == by_lgd.to_list()
    assert set(rows["measure_code"]) == set(by_lgd)
    assert {f"{c}_PER_10K" for c in ("O1_ASCOT_PEOPLE", "O1_STAR_PEOPLE", "O3_DSF_DUE")} <= set(
        by_lgd
    )
    # disclosure control: small counts hidden, a rate hidden exactly where its count is
    assert rows["suppressed"].any()
    shown = rows.filter(~pl.col("suppressed"))
    people = shown.filter(pl.col("measure_code").is_in(["O1_ASCOT_PEOPLE", "O3_DSF_DUE"]))
    assert not people.filter(pl.col("value").is_between(1, 4)).height
    for count in ("O1_ASCOT_PEOPLE", "O1_STAR_PEOPLE", "O3_DSF_DUE"):
        key = ["category", "period"]
        pair = rows.filter(pl.col("measure_code") == count).join(
            rows.filter(pl.col("measure_code") == f"{count}_PER_10K"), on=key, suffix="_rate"
        )
        assert pair.height == rows.filter(pl.col("measure_code") == count).height
        assert (pair["suppressed"] == pair["suppressed_rate"]).all()
        both = pair.filter(~pl.col("suppressed"))
        assert (both["numerator_rate"] == both["value"]).all()  # a rate's numerator: its count
    # the workbook: the guidance's sheets, no Trust's figures, no other dimension
    book = openpyxl.load_workbook(folder / f"partner_extract_{PERIOD}.xlsx")
    assert book.sheetnames == ["cover", "contents", "notes", "summary", "breakdowns"]
    for name in ("summary", "breakdowns"):
        text = {str(c) for row in book[name].iter_rows(values_only=True) for c in row}
        assert not text & {*TRUSTS, "sex", "age_band", "programme_of_care", "F", "POC3"}, name
    notes = " ".join(str(r[2]) for r in book["notes"].iter_rows(values_only=True) if r[2])
    # which returns and versions the figures come from, not their files
    assert "version" in notes and file_names
    assert not [name for name in file_names if name in notes] and "sha256" not in notes
    page = (folder / "report.html").read_text()
    assert "Belfast" in page and "BHSCT" not in page and "<script" not in page
    package = json.loads((folder / "datapackage.json").read_text())
    assert [r["path"] for r in package["resources"]] == ["csv/breakdowns.csv", "csv/measures.csv"]


def test_the_cull_report_marks_lgd_used_after_the_partner_delivery_and_the_rest_after_odb_s(
    partner, tmp_path
):
    settings, status, _, _ = partner
    assert status == 0
    lineage = item_lineage(settings)
    usage = read_usage(settings)

    def verdicts(delivered: pl.DataFrame) -> dict[tuple[str, str], str]:
        report = build_report(read_catalog(), lineage, Usage(usage.periods, usage.rows, delivered))
        return {(c, i): v for c, i, v in report.select("collection", "item", "verdict").rows()}

    partner_only = verdicts(usage.deliveries.filter(pl.col("consumer") == PARTNER))
    for collection in PERSON_COLLECTIONS:
        assert partner_only[(collection, "lgd_code")] == "used", collection
        for item in ("sex", "birth_year", "programme_of_care"):
            expected = "unused" if (collection, item) == ("raw", "programme_of_care") else "unread"
            assert partner_only.get((collection, item), "unused") == expected, (collection, item)
    # the ODB pack of the period carries every breakdown: after its delivery, the four are used
    result = write_pack(settings, PERIOD, tmp_path / "odb", consumer="test-cull-odb")
    try:
        assert result.ok, result.message
        after = cull_report(settings, lineage=lineage)
    finally:
        with connect(settings.warehouse) as con:
            con.execute("delete from usage.deliveries where consumer = 'test-cull-odb'")
    used = {(c, i): v for c, i, v in after.select("collection", "item", "verdict").rows()}
    for collection in PERSON_COLLECTIONS:
        for item in DEMOGRAPHIC:
            if (collection, item) != ("raw", "programme_of_care"):
                assert used[(collection, item)] == "used", (collection, item)


def test_the_partner_pack_asset_materialises_one_period_through_its_gate(regional):
    settings = regional[0]
    _materialise_through_the_gate(PARTNER_PACK_KEY, settings, "2025-26-Q3")
    folder = settings.home / "extracts" / PARTNER / "2025-26-Q3"
    assert (folder / "partner_extract_2025-26-Q3.xlsx").is_file()
    delivered = _delivered(settings, PARTNER).filter(pl.col("period") == "2025-26-Q3")
    assert delivered.height == 1
    with connect(settings.warehouse) as con:
        con.execute(
            "delete from usage.deliveries where consumer = ? and period = '2025-26-Q3'", [PARTNER]
        )
    shutil.rmtree(folder)
