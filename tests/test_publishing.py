"""The pack and the cull report as their users reach them: `sws` commands and Dagster assets."""

from __future__ import annotations

import polars as pl
from dagster import DagsterInstance, materialize

from pipelines.defs.assets.extract import GATE_CHECK, PACK_KEY
from pipelines.defs.assets.lineage import CULL_REPORT
from pipelines.defs.definitions import build_defs
from pipelines.warehouse import connect


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


def test_the_pack_asset_materialises_one_period_through_its_gate(regional):
    settings = regional[0]
    result = materialize(
        [build_defs(settings).resolve_assets_def(PACK_KEY)],  # bound to this warehouse
        partition_key="2025-26-Q3",
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed) == (GATE_CHECK, True)
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
