"""Data contracts for the Trust returns of ``shared/spec/returns.md``: one pandera model each."""

from contracts import checks as _checks  # noqa: F401  (registers every rule before the models)
from contracts.ascot import AscotReturn
from contracts.dsf import DsfReturn
from contracts.indicators import IndicatorsReturn
from contracts.raw import RawReturn
from contracts.star import StarReturn
from contracts.workforce import WorkforceReturn

CONTRACTS = {
    "star": StarReturn,
    "ascot": AscotReturn,
    "dsf": DsfReturn,
    "raw": RawReturn,
    "workforce": WorkforceReturn,
    "indicators": IndicatorsReturn,
}
