"""Decisions: what an account did about an input that was not refused but not clean either.

A check of an input ends in one of three ways: the input passes, it is refused (an
:class:`~ganpo.errors.InputError` that names the file, field and value and says what to
do), or it is accepted under a stated rule. The third way is a :class:`Decision`: a value
outside its soft range, a layer that covers part of a unit under a declared gap policy, a
layer of another year that the manifest declares may serve this one, a reviewer-approved
override of a fluctuation check. Decisions are stored with the account, listed in its
quality report and printed in its outputs, so that no number depends on a choice nobody
can see.

This module sits in ``io`` (the lowest layer that reads inputs) so that the table reader,
the layer checks of the engine and the departments' submissions record decisions alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: who or what made the decision
Basis = Literal[
    "manifest",  # declared in the dataset's manifest (e.g. a layer year, a gap policy)
    "profile",  # a rule of the profile (e.g. its coverage threshold)
    "rule",  # a rule of ganpo's input declarations (soft range, distribution check)
    "override",  # a person's written explanation, seen and accepted by a reviewer
]


@dataclass(frozen=True)
class Decision:
    """One decision about an input, stored with the account.

    ``kind`` is a short machine key (``soft_range``, ``coverage_gap``, ``gap_policy``,
    ``layer_year``, ``table_year``, ``fluctuation``, ``override``, ``boundary_repair``,
    ``nodata_undeclared``, ``unverified_parameter`` …); ``subject`` names what it is about
    in the user's terms (a layer role, ``table.column``, a parameter key); ``unit_code`` the
    administrative unit concerned, when one is; ``message_en`` / ``message_zh`` say what was
    found and what was done, in full sentences, for the quality report; ``source`` is the
    file concerned (shown to the operator, never printed in a published report); ``values``
    a few numbers.

    A decision on basis ``override`` may say who explained what and who accepted it:
    ``explanation`` (the person's written explanation, as written), ``explained_by`` and
    ``accepted_by`` (the names the platform knows them by). The quality report prints them
    beside the decision's sentences; other bases leave them empty.
    """

    kind: str
    subject: str
    message_en: str
    message_zh: str
    basis: Basis
    unit_code: int | None = None
    source: str | None = None
    values: tuple[float | str, ...] = field(default=())
    explanation: str | None = None
    explained_by: str | None = None
    accepted_by: str | None = None

    def __post_init__(self) -> None:
        said = (self.explanation, self.explained_by, self.accepted_by)
        if self.basis != "override" and any(x is not None for x in said):
            raise ValueError(
                f"decision {self.kind!r} on {self.subject!r}: an explanation and who gave or "
                f"accepted it belong to a decision on basis 'override', not {self.basis!r}"
            )

    def as_row(self) -> dict[str, object]:
        """The decision as a flat record (store rows, tables, API)."""
        return {
            "kind": self.kind,
            "subject": self.subject,
            "unit_code": self.unit_code,
            "basis": self.basis,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
            "source": self.source,
            "values": list(self.values),
            "explanation": self.explanation,
            "explained_by": self.explained_by,
            "accepted_by": self.accepted_by,
        }


__all__ = ["Basis", "Decision"]
