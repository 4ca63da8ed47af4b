"""``gate/report.html``: the validation gate's result as one self-contained page (template
``templates/gate_report.html.j2``): every expectation with what it observed and whether it
passed, the data package's validation, the disclosure audit and how many figures each
disclosure rule hid. No script, style sheet, font or image is fetched: it reads the same
offline."""

from __future__ import annotations

from pipelines.extract.disclosure import REASONS
from pipelines.extract.facts import PackFacts
from pipelines.extract.gate import (
    BREAKDOWN_COMPLETENESS,
    BREAKDOWNS,
    COMPLETENESS,
    RATE_CELLS,
    TABLES,
    GateResult,
)
from pipelines.extract.report import periods_label
from pipelines.templating import render

CHECKPOINTS = {
    **{name: f"csv/{name}.csv" for name in TABLES},
    BREAKDOWNS: f"csv/{BREAKDOWNS}.csv",
    COMPLETENESS: "every measure x org x period whose return was loaded, and the rows present",
    BREAKDOWN_COMPLETENESS: "every broken-down measure x dimension category x period whose "
    "return was loaded, and the rows present",
    RATE_CELLS: "each rate per 10,000 residents beside its count, cell by cell",
}


def render_gate_report(gate: GateResult, *, facts: PackFacts | None, run_at: str) -> str:
    checkpoints = []
    for name, about in CHECKPOINTS.items():
        results = [e for e in gate.expectations if e.table == name]
        if not results:
            continue
        checkpoints.append(
            {
                "name": name,
                "about": about,
                "results": results,
                "failed": sum(not e.success for e in results),
            }
        )
    return render(
        "pipelines.extract",
        "gate_report.html.j2",
        gate=gate,
        facts=facts,
        period_label=periods_label(facts.period) if facts else None,
        run_at=run_at,
        checkpoints=checkpoints,
        # the marts hold no suppressed row: "given" is never a pack's reason
        reasons={key: label for key, label in REASONS.items() if key != "given"},
        suppression=facts.suppression if facts else (),
    )
