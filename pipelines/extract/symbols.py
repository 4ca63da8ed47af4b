"""Shorthand for a cell with no figure in the pack's workbook and report (the Analysis
Function's "Symbols in tables": a table has no blank cells, each gap says why)."""

CONFIDENTIAL = "[c]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"

MEANINGS = {
    CONFIDENTIAL: "confidential: hidden by disclosure control to protect people's "
    "confidentiality (rules in these notes); empty in the CSV files, where suppressed = true",
    NOT_AVAILABLE: "not available: the organisation loaded no return for the period, or the "
    "baseline figure is missing",
    NOT_APPLICABLE: "not applicable: a count has no denominator and a median no numerator; a "
    "share or mean with nothing to divide by has no value; there is no baseline or change "
    "before the baseline period",
}
