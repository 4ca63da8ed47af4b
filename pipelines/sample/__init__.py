"""Deterministic sample Trust returns in the landing layout of returns.md.

``generate()`` writes a plausible quarter-by-quarter set of returns for every collection, Trust
and period asked for, optionally with a known share of bad rows (each with exactly one fault,
listed in ``planted_faults.csv``). Same arguments, same bytes: every random draw comes from a
numpy Generator seeded from (seed, collection, purpose), never from the clock, and everything is
iterated in sorted order.

Sizes: at ``scale=1`` the volumes per quarter are about the real Northern Ireland ones (the
project brief's figures, after the published NI statistics named next to each module's
constants); ``scale`` multiplies them. The big collections are built with numpy/polars column
operations, not Python loops over rows.

Files: every value is written as text (XLSX and Parquet columns are strings too, so a planted
``abc`` survives), an empty optional value is an empty cell (null in XLSX/Parquet). Files already
in ``out_dir`` are overwritten or left alone, never deleted, except ``planted_faults.csv``, which
is removed when a run plants no faults. Best written into an empty directory.

Every code comes from the seeds (``contracts.reference``). The modules' parameter tables are keyed
by seed codes only to say how common each code is; a code that is not in the seeds is never
written, and a seed code with no parameters is simply not generated.

With ``story=True`` the latest period is told as the demo's story (``story``): a few dozen bad
rows across returns and Trusts, a resubmission that supersedes its v1, a refused one, a late
return and a missing one; ``SampleReport.events`` says which files.

Modules: one per collection (``workforce``, ``dsf``, ``star``, ``ascot``, ``raw``,
``indicators``); ``generation`` runs them in order; ``context``, ``people``, ``journeys``,
``draws``, ``hcn_pool`` and ``columns`` are their shared machinery; ``faults`` spoils rows,
``story`` says what happens to the demo's latest period and ``writing`` writes the files.
"""

from pipelines.sample.generation import generate
from pipelines.sample.report import PlantedFault, SampleFile, SampleReport
from pipelines.sample.story import StoryEvent
from pipelines.sample.writing import FAULTS_FILE

__all__ = ["FAULTS_FILE", "PlantedFault", "SampleFile", "SampleReport", "StoryEvent", "generate"]
