"""Where a pack may be written (``sws extract --out DIR``): a new or empty folder, or an
earlier pack's folder, whose pack files are replaced. Any other folder is refused before
anything is written: publishing replaces the pack's own entries, ``csv/`` and ``gate/``
whole, and must never take someone's files with it.

An earlier pack is recognised by its ``SHA256SUMS``, which lists every file it published but
the gate's result; ``gate/`` is the pack's own folder. Files beside the pack's entries at the
top of the folder are left alone.
"""

from __future__ import annotations

from pathlib import Path

CHECKSUMS = "SHA256SUMS"
PACK_FOLDERS = ("csv", "gate")


class OutDirRefused(Exception):
    """The folder is not one a pack may be written to: the message is one line."""


def check_out_dir(out_dir: Path) -> None:
    """OutDirRefused unless ``out_dir`` is missing, empty, or an earlier pack's folder whose
    ``csv/`` holds only the pack's files."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise OutDirRefused(f"{out_dir} is not a folder: give a folder for the pack")
    if not out_dir.exists() or not any(out_dir.iterdir()):
        return
    checksums = out_dir / CHECKSUMS
    if not checksums.is_file():
        raise OutDirRefused(
            f"{out_dir} is not empty and holds no earlier pack (no {CHECKSUMS}): give a new or "
            "empty folder; nothing was written"
        )
    listed = {line.split("  ", 1)[1] for line in checksums.read_text().splitlines() if "  " in line}
    for folder in PACK_FOLDERS:
        if (out_dir / folder).exists() and not (out_dir / folder).is_dir():
            raise OutDirRefused(f"{out_dir / folder} is not a folder: move it; nothing was written")
    csv_dir = out_dir / "csv"
    foreign = sorted(
        path.relative_to(out_dir).as_posix()
        for path in (csv_dir.rglob("*") if csv_dir.is_dir() else ())
        if path.relative_to(out_dir).as_posix() not in listed and not path.is_dir()
    )
    if foreign:
        raise OutDirRefused(
            f"{out_dir / foreign[0]} is not the earlier pack's and would be replaced with csv/: "
            "move it; nothing was written"
        )
