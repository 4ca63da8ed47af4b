"""Pipelines: ingest, load and sample data for the Social Work Outcomes Warehouse."""
