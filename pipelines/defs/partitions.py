"""Partitions: every return is loaded per (org, period) — its slot in returns.md."""

from __future__ import annotations

from functools import cache

from dagster import MultiPartitionKey, MultiPartitionsDefinition, StaticPartitionsDefinition

from contracts.files import orgs_submitting
from contracts.periods import accepted_periods

period_partitions = StaticPartitionsDefinition([str(p) for p in accepted_periods()])


@cache
def org_period_partitions(collection: str) -> MultiPartitionsDefinition:
    """Orgs that submit ``collection`` (REGION: indicators only), by every accepted period."""
    orgs = StaticPartitionsDefinition(list(orgs_submitting(collection)))
    return MultiPartitionsDefinition({"org": orgs, "period": period_partitions})


def slot_key(org: str, period: str) -> MultiPartitionKey:
    return MultiPartitionKey({"org": org, "period": period})


def org_and_period(collection: str, partition_key: str) -> tuple[str, str]:
    key = org_period_partitions(collection).get_partition_key_from_str(partition_key)
    return key.keys_by_dimension["org"], key.keys_by_dimension["period"]
