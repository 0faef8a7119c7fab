"""The Jiangxi decision of January 2024 registered in the tracking module: its pillars
and clauses, indicators, targets and observed series (docs/tracking.md, "The decision's
targets"; docs/decisions/0036-decision-targets.md).

The data are ``catalog/data/tracking/jiangxi-decision.toml``; carbon intensity is the
dual-control indicator, registered first (:func:`ganpo.tracking.dual_control.register`).
"""

from __future__ import annotations

from pathlib import Path

from ganpo.tracking import dual_control
from ganpo.tracking.registry import Registry, shipped_file

#: the shipped tracking file of the decision
DECISION_FILE = "jiangxi-decision"


def register(path: Path | None = None, registry: Registry | None = None) -> Registry:
    """The dual-control indicators, then a decision's tracking file (default: the shipped
    Jiangxi decision) in ``registry`` (a new one when none is given)."""
    reg = dual_control.register(registry)
    reg.load(path if path is not None else shipped_file(DECISION_FILE))
    return reg
