"""LibreOffice Calc, run headless by the tests that check a real spreadsheet application reads
(or saves) what the product writes; such tests skip where ``soffice`` is not installed."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

TIMEOUT_SECONDS = 240


def convert(path: Path, to: str, outdir: Path, profile: Path) -> Path:
    """``soffice --headless --convert-to TO``: the converted file in ``outdir``. A profile of
    its own, so that runs side by side do not share one; killed whole if it hangs."""
    command = [
        "soffice",
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        to,
        "--outdir",
        str(outdir),
        str(path),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        process.wait(timeout=TIMEOUT_SECONDS)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return outdir / f"{path.stem}.{to}"
