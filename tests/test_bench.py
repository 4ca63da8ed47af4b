"""The benchmark's smoke mode runs every phase and prints every figure (not a timing check)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"
NUMBER = r"[\d,]+(?:\.\d+)?"
# each phase and floor: phase, wall s, CPU s, rows, rows/s, peak RSS MB, others %, load1
FIGURES = r"".join(rf"\s+{NUMBER}" for _ in range(7)) + rf"->{NUMBER}"
PHASES = (
    "floor: polars read",
    "sws validate",
    "floor: duckdb load+agg",
    "sws load",
    "sws load (resubmission)",
    "floor: stack start-up",
)


def test_smoke_prints_every_phase_and_floor(tmp_path):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--json", str(tmp_path / "results.json")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    table = result.stdout.rsplit("\nsmoke: ", 1)[1]  # the final table
    for phase in PHASES:
        assert re.search(rf"^\s+{re.escape(phase)}{FIGURES}", table, re.M), phase
    assert re.search(
        r"^\s+of which\s+start-up [\d.]+ \+ ingest [\d.]+ .* \+ dbt [\d.]+", table, re.M
    )
    assert re.search(r"% of full", table)
    # the extract is a colleague's work in progress: its figures, or why it failed
    assert re.search(rf"^\s+sws extract(?:{FIGURES}|\s+failed \()", table, re.M)
    assert re.search(r"^\s+validate <= 3x bare read\s+smoke\s+[\d.,]+ x", result.stdout, re.M)
    assert re.search(
        r"^\s+resubmission <= 10% of full refresh\s+smoke .*"
        r"\[the stack's start-up alone: [\d.]+% of full\]$",
        result.stdout,
        re.M,
    )
    assert (tmp_path / "results.json").is_file()


def test_backfill_comparison_prints_each_way(tmp_path):
    result = subprocess.run(
        [sys.executable, str(BENCH.with_name("backfill.py")), "--scale", "0.01", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert re.search(r"^dsf: 40 partitions, [\d,]+ rows, 2 workers$", result.stdout, re.M)
    for way in ("writer turns", "one ranged run", "staging files"):
        assert re.search(rf"^\s+{way}\s+{NUMBER} s$", result.stdout, re.M), way
