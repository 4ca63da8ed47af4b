"""The Dagster UI as a data engineer sees it after a demo: the real webserver on a small loaded
warehouse, asked through its GraphQL API and looked at in headless Chromium.

Skipped where Chromium is absent (``apt-get install chromium``; ``.ci/run`` installs it).
``SWS_SCREENSHOTS=DIR`` keeps the screenshots (``docs/images/lineage.png`` comes from here).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.sample import generate
from tests.conftest import use_home
from tests.servers import (
    CHROMIUM,
    free_port,
    graphql,
    http_ok,
    png_size,
    screenshot,
    started,
    wait_until,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("dbt_manifest"),
    pytest.mark.skipif(not CHROMIUM, reason="no chromium (apt-get install chromium)"),
]

PERIOD = "2025-26-Q4"
DBT_GROUPS = {"reference", "staging", "intermediate", "marts"}
RETURNS = ("star", "ascot", "dsf", "raw", "workforce", "indicators")

ASSETS = """
{ assetNodes {
    assetKey { path } groupName kinds description
    partitionStats { numMaterialized numFailed }
    assetMaterializations(limit: 1) { partition metadataEntries { label } }
    assetChecksOrError { ... on AssetChecks { checks {
        name blocking executionForLatestMaterialization { status }
    } } }
} }
"""


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """`make demo` in small (sample, load, extract, cull report, status), then the webserver
    on it; its first-run dialog dismissed as its own button does (``setNuxSeen``)."""
    home = tmp_path_factory.mktemp("ui") / "sws"
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = use_home(monkeypatch, home)
        report = generate(settings.landing, periods=1, end_period=PERIOD, scale=0.02, seed=4)
        assert main(["load"]) == 0
        assert main(["extract", "--period", PERIOD]) == 0
        assert main(["cull-report"]) == 0
        assert main(["status"]) == 0
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [
            str(Path(sys.executable).with_name("dagster-webserver")),
            *("--host", "127.0.0.1", "--port", str(port), "-m", "pipelines.definitions"),
        ]
        with started(command, log=home / "webserver.log", env=dict(os.environ)):
            wait_until(lambda: http_ok(f"{url}/server_info"), timeout=180, what="the webserver")
            assert graphql(url, "mutation { setNuxSeen }") == {"setNuxSeen": True}
            nodes = graphql(url, ASSETS)["assetNodes"]
            yield url, {"/".join(n["assetKey"]["path"]): n for n in nodes}, report, home


def test_no_asset_is_left_in_the_default_group(ui):
    _, assets, _, _ = ui
    groups = {name: node["groupName"] for name, node in assets.items()}
    assert "default" not in groups.values()
    dbt = {name: group for name, group in groups.items() if "dbt" in assets[name]["kinds"]}
    assert set(dbt.values()) == DBT_GROUPS
    assert groups["reference/measures"] == "reference"
    assert groups["staging/stg_star"] == "staging"
    assert groups["marts/outcome1"] == "marts"
    assert groups["ingest/file_versions"] == "ingest"


def test_every_asset_says_what_it_is(ui):
    _, assets, _, _ = ui
    for name, node in assets.items():
        description = node["description"] or ""
        assert len(description) > 60, name
        assert "Raw SQL" not in description and not description.startswith("dbt "), name
    assert assets["returns/star"]["description"].startswith("Outcomes Star readings")
    assert "The measure catalog (measures.md)" in assets["reference/measures"]["description"]


def test_after_a_load_the_ingest_partitions_show_materialised(ui):
    _, assets, report, _ = ui
    for collection in RETURNS:
        files = [f for f in report.files if f.collection == collection]
        stats = assets[f"returns/{collection}"]["partitionStats"]
        assert stats == {"numMaterialized": len(files), "numFailed": 0}, collection


def test_the_pack_cull_report_and_status_show_as_done(ui):
    _, assets, _, _ = ui
    pack = assets["extracts/odb_pack"]
    assert pack["partitionStats"]["numMaterialized"] == 1
    [latest] = pack["assetMaterializations"]
    assert latest["partition"] == PERIOD
    assert {"published_in", "files", "measures", "pack_sha256", "gate"} <= _labels(latest)
    [gate] = pack["assetChecksOrError"]["checks"]
    assert gate["executionForLatestMaterialization"]["status"] == "SUCCEEDED"
    assert {"items", "recommended_for_culling"} <= _labels(
        assets["usage/cull_report"]["assetMaterializations"][0]
    )
    assert "period" in _labels(assets["submission_status_report"]["assetMaterializations"][0])


def test_every_dbt_asset_carries_its_tests_as_one_passing_check(ui):
    _, assets, _, _ = ui
    for name, node in assets.items():
        if "dbt" in node["kinds"]:
            [check] = node["assetChecksOrError"]["checks"]
            assert check["name"] == "dbt_tests", name
            assert check["blocking"], name  # every model has a primary-key test
            assert check["executionForLatestMaterialization"]["status"] == "SUCCEEDED", name


def test_screenshots_of_the_lineage_and_a_partition_page(ui, tmp_path):
    url, _, _, _ = ui
    pages = {
        "lineage": "/asset-groups",
        "partitions": "/assets/returns/dsf?view=partitions",
        "checks": "/assets/marts/outcome1?view=checks",
    }
    keep = os.environ.get("SWS_SCREENSHOTS")
    for name, path in pages.items():
        png = tmp_path / f"{name}.png"
        data = screenshot(url + path, png)
        assert png_size(data) == (1600, 1000)
        assert len(data) > 40_000, name  # a blank page this size is a few kilobytes
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(png, Path(keep) / png.name)


def _labels(materialization: dict) -> set[str]:
    return {entry["label"] for entry in materialization["metadataEntries"]}
