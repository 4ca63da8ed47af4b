"""Return quality as a measure: marts.return_quality and the Q_ measures, recomputed here from
the file versions (independently of the dbt models), and their place in `sws status`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from contracts import reference
from contracts.periods import Period
from pipelines.settings import sws_config
from pipelines.warehouse import connect


def _query(settings, sql: str) -> list[dict]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.sql(sql).pl().to_dicts()


def _due(period: str) -> dt.date:
    days = sws_config()["submission_deadline_days"]
    return Period.parse(period).last_day + dt.timedelta(days=days)


def _percent(numerator, denominator) -> float | None:
    if not denominator:
        return None
    share = Decimal(numerator) * 100 / Decimal(denominator)
    return float(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _expected_returns(versions: list[dict]) -> dict[tuple, dict]:
    slots: dict[tuple, list[dict]] = defaultdict(list)
    for v in versions:
        slots[(v["collection"], v["org"], v["period"])].append(v)
    expected = {}
    for (collection, org, period), rows in slots.items():
        accepted = next((r for r in rows if r["is_current"] and r["refused"] is None), None)
        due = _due(period)
        days = None if accepted is None else (accepted["received_at"].date() - due).days
        versions_received = len({r["version"] for r in rows})
        expected[(collection, org, period)] = {
            "accepted_version": accepted and accepted["version"],
            "versions_received": versions_received,
            "resubmissions": versions_received - 1,
            "refused_versions": len({r["version"] for r in rows if r["refused"] is not None}),
            "rows_in": accepted and accepted["rows"],
            "rows_quarantined": accepted and accepted["quarantined"],
            "rows_quarantined_pct": accepted
            and _percent(accepted["quarantined"], accepted["rows"]),
            "deadline": due,
            "days_from_deadline": days,
            "on_time": days is not None and days <= 0,
        }
    return expected


def test_return_quality_has_each_return_received_with_its_figures(regional):
    settings, report, _, _ = regional
    versions = _query(settings, "from ingest.file_versions")
    expected = _expected_returns(versions)
    actual = {
        (r["collection"], r["org"], r["period"]): r
        for r in _query(settings, "from marts.return_quality")
    }
    assert set(actual) == set(expected)
    # every sample return (other tests land more in the shared fixture: a nil return, ...)
    assert {(f.collection, f.org, f.period) for f in report.files} <= set(actual)
    for key, figures in expected.items():
        assert {k: actual[key][k] for k in figures} == figures, key
    late = [key for key, row in actual.items() if not row["on_time"]]
    assert late, "the sample lands one return in twenty after the deadline"
    for key in late:  # landed after the deadline, or every version refused (no accepted one)
        row = actual[key]
        assert row["days_from_deadline"] > 0 if row["accepted_version"] else not row["accepted_at"]


def test_the_q_measures_per_org_and_region_pool_the_returns(regional):
    settings, _, _, _ = regional
    returns = _expected_returns(_query(settings, "from ingest.file_versions"))
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (_, org, period), r in returns.items():
        for scope in {org, "REGION"}:  # REGION's own indicators return counts once
            t = totals[(scope, period)]
            t[0] += r["rows_quarantined"] or 0
            t[1] += r["rows_in"] or 0
            t[2] += r["on_time"]
            t[3] += 1
            t[4] += r["accepted_version"] is not None
    expected = {}
    for (org, period), (quarantined, rows_in, on_time, received, accepted) in totals.items():
        if accepted:  # no accepted return (all refused): no rows to share out
            expected[("Q_ROWS_QUARANTINED_PCT", org, period)] = (
                quarantined,
                rows_in,
                _percent(quarantined, rows_in),
            )
        expected[("Q_RETURNS_ON_TIME_PCT", org, period)] = (
            on_time,
            received,
            _percent(on_time, received),
        )
    rows = _query(settings, "from marts.return_quality_measures")
    actual = {
        (r["measure_code"], r["org"], r["period"]): (r["numerator"], r["denominator"], r["value"])
        for r in rows
    }
    assert actual == expected
    assert {r["outcome"] for r in rows} == {None} and {r["suppressed"] for r in rows} == {False}
    first: dict[tuple[str, str], str] = {}  # the baseline: each one's first period with a value
    for r in sorted(rows, key=lambda r: r["period"]):
        if r["value"] is not None:
            first.setdefault((r["measure_code"], r["org"]), r["period"])
    assert {(r["measure_code"], r["org"]): r["baseline_period"] for r in rows} == first
    catalog = reference.seed("measures").filter(pl.col("outcome").is_null())
    assert set(catalog["measure_code"]) == {code for code, _, _ in actual}
    assert set(catalog["oba_type"]) == {"how_well"}
    assert set(catalog["disclosure_control"]) == {"false"}  # about returns, not people


def test_sws_status_shows_the_quality_figures(regional, sws):
    settings, _, _, _ = regional
    [period] = {
        r["period"]
        for r in _query(settings, "select max(period) as period from marts.return_quality")
    }
    measures = {
        (r["measure_code"], r["org"]): r["value"]
        for r in _query(settings, f"from marts.return_quality_measures where period = '{period}'")
    }
    human = sws("status", "--period", period)
    assert human.status == 0
    lines = human.out.splitlines()
    start = lines.index("How well are the returns doing (rows quarantined; returns on time):")
    shown = {line.split()[0]: line for line in lines[start + 1 :]}
    assert list(shown) == [*sorted(reference.orgs(trusts_only=True)), "REGION"]
    for org, line in shown.items():
        quarantined = measures[("Q_ROWS_QUARANTINED_PCT", org)]
        on_time = measures[("Q_RETURNS_ON_TIME_PCT", org)]
        assert line.split()[1] == f"{quarantined:.1f}%" and f"; {on_time:.1f}%" in line
    as_json = {
        (r["collection"], r["org"]): r
        for r in sws("status", "--period", period, "--json").json_lines()
    }
    quality = {
        (r["collection"], r["org"]): r
        for r in _query(settings, f"from marts.return_quality where period = '{period}'")
    }
    for key, row in quality.items():
        got = as_json[key]
        assert (got["rows_quarantined_pct"], got["days_from_deadline"], got["on_time"]) == (
            row["rows_quarantined_pct"],
            row["days_from_deadline"],
            row["on_time"],
        )


def _report(settings, period: str, *, with_quality: bool = True) -> tuple[str, list[str]]:
    """report.html, and the periods its charts run over (the pack's)."""
    from pipelines.extract.disclosure import load_thresholds
    from pipelines.extract.pack import extract_rows, org_order, read_inputs
    from pipelines.extract.report import render_report

    inputs = read_inputs(settings)
    thresholds = load_thresholds()
    rows = extract_rows(inputs, period, thresholds).rows
    html = render_report(
        rows,
        inputs.catalog,
        period=period,
        orgs=org_order(),
        thresholds=thresholds,
        consumer="ODB",
        built_at="now",
        data_as_at=None,
        quality=inputs.quality if with_quality else None,
        quality_catalog=inputs.quality_catalog,
    )
    return html, sorted(rows["period"].unique().to_list())


def test_report_html_shows_how_well_the_returns_are_doing_with_a_trend_per_trust(regional):
    from pipelines.extract.pack import org_order

    settings, _, _, _ = regional
    [period] = {r["p"] for r in _query(settings, "select max(period) as p from marts.outcome1")}
    html, periods = _report(settings, period)
    section = html[html.index('<section class="outcome" id="returns"') :]
    section = section[: section.index("</section>")]
    assert '<h2 id="h-returns">How well are the returns doing</h2>' in section
    assert f"({sws_config()['submission_deadline_days']} days after the quarter ends)" in section
    measures = {
        (r["measure_code"], r["org"], r["period"]): r["value"]
        for r in _query(settings, f"from marts.return_quality_measures where period <= '{period}'")
    }
    orgs = org_order()
    assert orgs[-1] == "REGION" and set(orgs[:-1]) == set(reference.orgs(trusts_only=True))

    def text(code: str, org: str, p: str) -> str:
        value = measures.get((code, org, p))
        return "\u2013" if value is None else f"{value:.1f}%"

    for code in ("Q_ROWS_QUARANTINED_PCT", "Q_RETURNS_ON_TIME_PCT"):
        row = section[section.index(f"<code>{code}</code>") :].split("</tr>")[0]
        cells = [text(code, org, period) for org in orgs]
        assert "".join(f"<td>{c}</td>" for c in cells[:-1]) in row
        assert f'<td class="region">{cells[-1]}</td>' in row
        # the trend: a line per Trust and REGION over the pack's periods, its figures in a table
        uid = code.replace("_", "-")
        assert f'aria-labelledby="t-{uid}"' in section
        chart = section[section.index(f'id="f-{uid}"') :].split("</table>")[0]
        for p in periods:
            label = f"{p[:7]} {p[-2:]}"
            figures = "".join(f"<td>{text(code, org, p)}</td>" for org in orgs)
            assert f'<tr><th scope="row">{label}</th>{figures}' in chart, (code, p)
    assert 'id="returns"' not in _report(settings, period, with_quality=False)[0]
    assert html.index('id="outcome4"') < html.index('id="returns"') < html.index("<h2>Notes</h2>")
