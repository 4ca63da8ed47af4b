"""Validation against a bare polars read of the same files, measured in one process.

    .venv/bin/python bench/validate.py                      # SF1 returns (~1M rows), 5 rounds
    .venv/bin/python bench/validate.py --scale 5            # SF5 (years, as bench/run.py)
    .venv/bin/python bench/validate.py --landing DIR        # returns already written
    .venv/bin/python bench/validate.py --by-collection      # also each return on its own
    .venv/bin/python bench/validate.py --subprocess         # also `sws validate` vs a read

A shared machine makes single timings useless, so the two are interleaved, round after round,
in the same process, and the best of each is kept; the ratio is of the bests. Wall time and
the process's CPU time (all its threads) are both shown: on a busy machine the CPU ratio is
the steadier figure. ``--subprocess`` times ``sws validate`` (Python start-up and imports
included, what bench/run.py times) against ``bench/run.py _floor-read`` the same way.
Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from run import END_PERIOD, REPO, SEED, SWS, _cpu_busy_s, workload

sys.path.insert(0, str(REPO))


def _own_cpu_s() -> float:
    """CPU seconds of this process and the children it waited for."""
    used = os.times()
    return used.user + used.system + used.children_user + used.children_system


def _timed(work: Callable[[], int]) -> tuple[float, float, int]:
    """(wall s, CPU s of this process, rows) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    rows = work()
    return time.perf_counter() - wall, time.process_time() - cpu, rows


def _timed_process(argv: list[str]) -> tuple[float, float, int]:
    """(wall s, CPU s, exit code) of a subprocess, its output discarded."""
    wall = time.perf_counter()
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL) as process:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - wall, usage.ru_utime + usage.ru_stime, process.returncode


def compare(label: str, pair: dict[str, Callable], rounds: int) -> dict[str, list]:
    """Time each of ``pair`` (floor first) ``rounds`` times, interleaved; print the bests."""
    times: dict[str, list] = {name: [] for name in pair}
    busy, own, load = _cpu_busy_s(), _own_cpu_s(), os.getloadavg()[0]
    started = time.perf_counter()
    for _ in range(rounds):
        for name, work in pair.items():
            times[name].append(work())
    elapsed = time.perf_counter() - started
    others = max(0.0, _cpu_busy_s() - busy - (_own_cpu_s() - own))
    floor, product = list(pair)
    print(f"\n{label}: best of {rounds} interleaved rounds")
    for name in pair:
        wall = min(t[0] for t in times[name])
        cpu = min(t[1] for t in times[name])
        print(f"  {name:<12} wall {wall:8.3f} s   CPU {cpu:8.3f} s   rows {times[name][0][2]:,}")
    wall_ratio = min(t[0] for t in times[product]) / min(t[0] for t in times[floor])
    cpu_ratio = min(t[1] for t in times[product]) / min(t[1] for t in times[floor])
    print(f"  ratio        wall {wall_ratio:8.2f} x   CPU {cpu_ratio:8.2f} x")
    print(
        f"  machine: load1 {load:.1f} -> {os.getloadavg()[0]:.1f}; "
        f"CPU used by other processes ~{100 * others / (elapsed * (os.cpu_count() or 1)):.0f}%"
    )
    return times


def in_process(files: list[Path], rounds: int) -> None:
    import polars as pl

    from contracts.validate import check_files
    from pipelines.settings import file_limits

    limits = file_limits()
    sum(r.rows for r in check_files(files[:2], limits=limits))  # warm: seeds, rule tables

    def read() -> int:
        return sum(pl.read_csv(path, infer_schema=False).height for path in files)

    def validate() -> int:
        return sum(r.rows for r in check_files(files, limits=limits, digest=False))

    compare(
        f"in one process, {len(files)} files",
        {"read": lambda: _timed(read), "validate": lambda: _timed(validate)},
        rounds,
    )


def by_collection(files: list[Path], rounds: int) -> None:
    for collection in sorted({path.parent.name for path in files}):
        in_process([p for p in files if p.parent.name == collection], rounds)


def as_subprocesses(files: list[Path], rounds: int, work: Path) -> None:
    listing = work / "files.txt"
    listing.write_text("\n".join(map(str, files)))
    floor = [sys.executable, str(Path(__file__).with_name("run.py")), "_floor-read", str(listing)]
    compare(
        f"as subprocesses (start-up included), {len(files)} files",
        {
            "read": lambda: _timed_process(floor),
            "sws validate": lambda: _timed_process([SWS, "validate", *map(str, files)]),
        },
        rounds,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="scale factor, as bench/run.py")
    parser.add_argument("--landing", type=Path, help="returns already written (landing layout)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--by-collection", action="store_true")
    parser.add_argument("--subprocess", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as temp:
        landing = args.landing
        if landing is None:
            landing = Path(temp) / "landing"
            periods, scale = workload(args.scale)
            subprocess.run(
                [SWS, "sample", "--out", str(landing), "--periods", str(periods),
                 "--end-period", END_PERIOD, "--scale", str(scale), "--seed", str(SEED)],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        files = sorted(landing.glob("*/*.csv"))
        if not files:
            raise SystemExit(f"bench: no returns under {landing}")
        in_process(files, args.rounds)
        if args.by_collection:
            by_collection(files, args.rounds)
        if args.subprocess:
            as_subprocesses(files, args.rounds, Path(temp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
