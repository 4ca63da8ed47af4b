"""The Dagster definitions: loaded lazily, and the whole graph against a checked-in snapshot.

A change to the asset graph (keys, groups, checks, jobs, schedules, sensors) shows in review
as a change to ``tests/snapshots/definitions.json``. After an intended change, rewrite it with
``SWS_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_definitions.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"

# Import the definitions as a fresh clone would (no dbt manifest, no warehouse) and list every
# process started meanwhile.
IMPORT_AND_WATCH = """
import sys
started = []
def watch(event, args):
    if event == "subprocess.Popen":
        started.append(str(list(args[1])[0]))  # the program
    elif event in ("os.posix_spawn", "os.exec", "os.spawn"):
        started.append(str(args[0]))
    elif event == "os.system":
        started.append(str(args[0]).split()[0])
sys.addaudithook(watch)
import pipelines.definitions
print(pipelines.definitions.__file__)
for line in started:
    print(line)
"""


def _fresh_clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    for name in ("pipelines", "contracts", "seeds", "deploy"):
        shutil.copytree(REPO / name, clone / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml",):
        shutil.copy(REPO / name, clone / name)
    shutil.copytree(
        REPO / "dbt_project",
        clone / "dbt_project",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    return clone


def test_importing_the_definitions_starts_no_dbt_and_no_python(tmp_path):
    clone = _fresh_clone(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_AND_WATCH],
        cwd=clone,
        env={**os.environ, "PYTHONPATH": str(clone), "SWS_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        check=True,
    )
    imported, *started = done.stdout.splitlines()
    assert Path(imported) == clone / "pipelines" / "definitions.py"  # the clone, not the repo
    # a library may ask `file` about the interpreter; nothing of ours may start
    programs = {Path(program).name for program in started}
    assert not {p for p in programs if p.startswith(("dbt", "dagster", "sws", "python"))}
    assert not (clone / "dbt_project" / "target").exists()
    assert not (tmp_path / "home").exists()


def _graph(defs) -> dict:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "owners": sorted(node.owners),
            "partitioned": node.partitions_def is not None,
            "kinds": sorted(node.kinds),
            "checks": sorted(check.name for check in node.check_keys),
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
        }
    return {
        "assets": assets,
        "jobs": sorted(job.name for job in defs.resolve_all_job_defs()),
        "schedules": {
            s.name: {"job": s.job_name, "cron": s.cron_schedule}
            for s in (defs.resolve_schedule_def(d.name) for d in defs.schedules)
        },
        "sensors": sorted(s.name for s in defs.sensors),
    }


def test_the_definitions_match_the_snapshot(definitions):
    graph = _graph(definitions)
    if os.environ.get("SWS_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(graph, indent=1, sort_keys=True) + "\n")
    assert graph == json.loads(SNAPSHOT.read_text())


def test_every_asset_is_grouped_described_owned_and_linked_to_its_code(definitions):
    graph = definitions.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        assert node.group_name not in (None, "default"), name
        assert node.owners == ["team:data-engineering"], name
        assert len(node.description or "") > 60, name
        assert "Raw SQL" not in node.description, name
        if node.is_materializable:
            references = node.metadata["dagster/code_references"].code_references
            assert all(Path(ref.file_path).is_file() for ref in references), name
            if "dbt" in node.kinds:  # the model's or seed's own file, not only our Python
                assert any(ref.file_path.endswith((".sql", ".csv")) for ref in references), name


def test_a_return_is_described_by_its_contract(definitions):
    import inspect

    from contracts import CONTRACTS
    from pipelines.defs.assets.ingest import ingest_asset_key

    graph = definitions.resolve_asset_graph()
    for collection, model in CONTRACTS.items():
        description = graph.get(ingest_asset_key(collection)).description
        assert description.startswith(inspect.cleandoc(model.__doc__)), collection
