"""What a load did with one landed file: the per-file line of ``sws load``."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from contracts.files import ReturnFile

# A file an unexpected error stopped: recorded as refused with this reason, and tried again
# at the next load (the error may be ours, or passing), unlike a file refused for its content.
LOAD_FAILED = "could not be loaded, tried again at the next load"


@dataclass
class LoadOutcome:
    file: str  # the file's name
    status: str  # loaded | unchanged | superseded | refused | being written | not loaded
    collection: str | None = None
    org: str | None = None
    period: str | None = None
    version: int | None = None
    rows: int | None = None
    loaded: int | None = None
    quarantined: int | None = None
    superseded: bool = False
    refused: str | None = None  # why the file was refused whole

    @classmethod
    def of(cls, file: ReturnFile, status: str, **figures) -> LoadOutcome:
        """An outcome for a file whose name parsed."""
        collection, org, period = file.slot
        return cls(
            file.path.name,
            status,
            collection=collection,
            org=org,
            period=period,
            version=file.version,
            **figures,
        )

    def as_json(self) -> dict:
        """interface.md's ``sws load --json`` object (no ``status``)."""
        fields = asdict(self)
        return {
            key: fields[key]
            for key in (
                "file",
                "collection",
                "org",
                "period",
                "version",
                "rows",
                "loaded",
                "quarantined",
                "superseded",
                "refused",
            )
        }
