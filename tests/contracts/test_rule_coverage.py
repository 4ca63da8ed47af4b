"""Every rule of every contract has a case."""

from __future__ import annotations

import pytest

from tests import returns_factory as factory
from tests.contracts.test_ascot import ASCOT_CASES
from tests.contracts.test_dsf import DSF_CASES
from tests.contracts.test_indicators import INDICATOR_CASES
from tests.contracts.test_raw import RAW_CASES
from tests.contracts.test_required import REQUIRED_CASES
from tests.contracts.test_star import STAR_CASES
from tests.contracts.test_workforce import WORKFORCE_CASES

pytestmark = pytest.mark.contracts


# -- coverage of the rule list ------------------------------------------------------------

RULES_BY_COLLECTION = {
    "star": {
        "required", "hcn_format", "hcn_check_digit", "text_length", "integer", "date", "code",
        "range", "birth_year_range", "period", "area_for_version", "duplicate_key",
        "incomplete_reading",
    },
    "ascot": {
        "required", "hcn_format", "hcn_check_digit", "text_length", "integer", "date", "code",
        "range", "birth_year_range", "period", "expected_for_sct4", "duplicate_key",
    },
    "dsf": {
        "required", "hcn_format", "hcn_check_digit", "integer", "date", "code",
        "birth_year_range", "period", "due_before_start", "completed_before_start",
        "duplicate_key",
    },
    "raw": {
        "required", "hcn_format", "hcn_check_digit", "text_length", "integer", "date", "code",
        "range", "birth_year_range", "age_over_21", "period", "duplicate_key",
        "incomplete_response",
    },
    "workforce": {
        "required", "text_length", "date", "period", "snapshot_date", "code", "decimal",
        "integer", "range", "boolean", "sickness_over_contracted", "duplicate_key",
    },
    "indicators": {
        "required", "code", "decimal", "range", "denominator_required", "denominator_for_count",
        "denominator_below_numerator", "duplicate_key",
    },
}  # fmt: skip

ALL_CASES = (
    REQUIRED_CASES + STAR_CASES + ASCOT_CASES + DSF_CASES + RAW_CASES + WORKFORCE_CASES
) + INDICATOR_CASES


@pytest.mark.parametrize("collection", factory.COLLECTIONS)
def test_every_rule_has_a_case(collection):
    covered = {
        rule
        for param in ALL_CASES
        if param.values[0] == collection
        for _, _, rule, _ in param.values[4]
    }
    missing = RULES_BY_COLLECTION[collection] - covered
    assert not missing, f"no case for {sorted(missing)}"
    assert covered <= RULES_BY_COLLECTION[collection], covered - RULES_BY_COLLECTION[collection]
