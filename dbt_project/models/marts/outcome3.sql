-- Outcome 3 of the E-Framework: one row per (measure, org, period), true values (disclosure
-- control is the extract's). Columns and meaning: measures.md; the shape: macros/measures.sql.
{{ outcome_mart(3) }}
