"""``gate/report.html``: the validation gate's result as one self-contained page (template
``templates/gate_report.html.j2``): every expectation with what it observed and whether it
passed, the data package's validation and the disclosure audit. No script, style sheet, font
or image is fetched: it reads the same offline."""

from __future__ import annotations

from pipelines.extract.facts import PackFacts
from pipelines.extract.gate import COMPLETENESS, TABLES, GateResult
from pipelines.extract.report import periods_label
from pipelines.templating import render

CHECKPOINTS = {
    **{name: f"csv/{name}.csv" for name in TABLES},
    COMPLETENESS: "every measure x org x period whose return was loaded, and the rows present",
}


def render_gate_report(gate: GateResult, *, facts: PackFacts | None, run_at: str) -> str:
    checkpoints = []
    for name, about in CHECKPOINTS.items():
        results = [e for e in gate.expectations if e.table == name]
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
    )
