"""The holdings of the carbon-inclusive ledger, derived by replaying its entries (pure,
no database): which serials each participant holds, and which are retired or redeemed.

A holding is a run of consecutive serials with one state: ``held`` by a participant,
``retired`` or ``redeemed`` (by the participant who last held them). Entries are replayed
in their order; each moves the serials ``first``..``last`` (both included) from one state
to another and checks that they were where the entry says they were, so a replay of a
consistent ledger never fails and an inconsistent one is named.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

#: the states a serial can be in after an entry of each kind
FINAL_KINDS = {"retirement": "retired", "redemption": "redeemed"}


@dataclass(frozen=True)
class Entry:
    """One ledger entry as the replay needs it."""

    kind: str
    first: int
    last: int
    from_participant: int | None
    to_participant: int | None


@dataclass(frozen=True)
class Holding:
    """Serials ``first``..``last`` in ``state`` (held, retired, redeemed) of ``participant``."""

    first: int
    last: int
    participant: int
    state: str

    @property
    def quantity(self) -> int:
        return self.last - self.first + 1


class LedgerConflictError(ValueError):
    """An entry moves serials that are not where it says they are."""


class Holdings:
    """The state of every serial touched by the entries replayed so far."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._runs: list[Holding] = []

    def _split(self, at: int) -> None:
        """Make ``at`` the first serial of a run if a run covers it."""
        i = bisect.bisect_right(self._starts, at) - 1
        if i >= 0:
            run = self._runs[i]
            if run.first < at <= run.last:
                left = Holding(run.first, at - 1, run.participant, run.state)
                right = Holding(at, run.last, run.participant, run.state)
                self._runs[i : i + 1] = [left, right]
                self._starts[i : i + 1] = [left.first, right.first]

    def runs_in(self, first: int, last: int) -> list[Holding]:
        """The runs that overlap ``first``..``last``, clipped to it."""
        out = []
        i = max(bisect.bisect_right(self._starts, first) - 1, 0)
        while i < len(self._runs) and self._runs[i].first <= last:
            r = self._runs[i]
            if r.last >= first:
                out.append(Holding(max(r.first, first), min(r.last, last), r.participant, r.state))
            i += 1
        return out

    def apply(self, e: Entry, check: bool = True) -> None:
        """Replay one entry; :class:`LedgerConflictError` if its serials are not as it says
        (unless ``check`` is False: an arrival seen without the entries before it)."""
        if e.last < e.first:
            raise LedgerConflictError(f"serials {e.first}–{e.last}: the last is before the first")
        runs = self.runs_in(e.first, e.last)
        covered = sum(r.quantity for r in runs)
        if not check:
            assert e.to_participant is not None
            new = Holding(e.first, e.last, e.to_participant, "held")
        elif e.kind == "issuance":
            if runs:
                raise LedgerConflictError(f"serials {e.first}–{e.last} were issued before")
            assert e.to_participant is not None
            new = Holding(e.first, e.last, e.to_participant, "held")
        else:
            wrong = [r for r in runs if r.state != "held" or r.participant != e.from_participant]
            if covered != e.last - e.first + 1 or wrong:
                raise LedgerConflictError(
                    f"serials {e.first}–{e.last} are not all held by participant "
                    f"{e.from_participant}"
                )
            if e.kind == "transfer":
                assert e.to_participant is not None
                new = Holding(e.first, e.last, e.to_participant, "held")
            else:
                assert e.from_participant is not None
                new = Holding(e.first, e.last, e.from_participant, FINAL_KINDS[e.kind])
        self._split(e.first)
        self._split(e.last + 1)
        lo = bisect.bisect_left(self._starts, e.first)
        hi = bisect.bisect_right(self._starts, e.last)
        self._runs[lo:hi] = [new]
        self._starts[lo:hi] = [new.first]

    def runs(self) -> list[Holding]:
        return list(self._runs)

    def held_by(self, participant: int) -> list[Holding]:
        """The runs ``participant`` holds, lowest serials first."""
        return [r for r in self._runs if r.participant == participant and r.state == "held"]

    def balance(self, participant: int) -> int:
        """The number of credits ``participant`` holds."""
        return sum(r.quantity for r in self.held_by(participant))


def replay(entries: Iterable[Entry], focus: int | None = None) -> Holdings:
    """The holdings after ``entries``, in order. With ``focus``, ``entries`` are only those
    that involve that participant: what arrives to it is taken as it comes (the entries
    before it are not there), what leaves it is checked."""
    h = Holdings()
    for e in entries:
        h.apply(e, check=focus is None or e.from_participant == focus)
    return h


def take(runs: list[Holding], quantity: int) -> list[tuple[int, int]]:
    """The serial ranges of the first ``quantity`` credits of ``runs`` (lowest first)."""
    out: list[tuple[int, int]] = []
    left = quantity
    for r in runs:
        if left <= 0:
            break
        n = min(left, r.quantity)
        out.append((r.first, r.first + n - 1))
        left -= n
    return out
