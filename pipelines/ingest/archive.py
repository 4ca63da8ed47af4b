"""The archive: every landed file version, as submitted, kept for good."""

from __future__ import annotations

import shutil
from pathlib import Path

from contracts.files import ReturnFile


def archive(file: ReturnFile, archive_dir: Path, digest: str) -> Path:
    """Keep the file version as submitted; its digest in the name, so nothing is overwritten."""
    target = archive_dir / file.collection / f"{digest[:12]}_{file.path.name}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file.path, target)
        target.chmod(0o600)
    return target
