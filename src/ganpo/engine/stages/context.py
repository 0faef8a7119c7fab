"""The run carried between the stages: what was asked, and what the stages report."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ganpo.catalog.parameters import ParameterSet, PricePolicy
from ganpo.catalog.profiles import Profile
from ganpo.io.decisions import Decision
from ganpo.io.manifest import Dataset

#: the run's log lines, warnings and notes keep the logger of the account module
log = logging.getLogger("ganpo.engine.account")

Progress = Callable[[str], None]

#: the order of the account's notes, by topic; a topic not listed here comes after these
NOTE_TOPICS = (
    "price_policy",
    "units",
    "boundaries",
    "derived",
    "aligned",
    "physical",
    "double_counting",
    "prices",
    "counterfactual",
)


@dataclass
class Run:
    """One account run. The request (dataset, year, profile, options of
    :func:`~ganpo.engine.account.run_account`) and the journal the stages write to:
    :meth:`say` (progress and run log), :meth:`warn` (the account's warnings in English
    and Chinese, in the order they are raised) and :meth:`note` (its notes, grouped by topic in
    :data:`NOTE_TOPICS` order)."""

    dataset: Dataset | Path
    year: int
    profile: Profile | str
    parameter_set: ParameterSet | str | None = None
    price_policy: PricePolicy | None = None
    #: roles taken from another year (a counterfactual), e.g. ``{"ecosystem_type": 2022}``
    layer_years: dict[str, int] = field(default_factory=dict)
    rasters_dir: Path | None = None
    derived_dir: Path | None = None
    scheduler: str | None = None
    chunk: int = 1024
    progress: Progress | None = None
    on_fraction: Callable[[float], None] | None = None
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    t0: float = field(default_factory=time.perf_counter)
    log: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the same warnings in Chinese, in the same order (the reports print them)
    warnings_zh: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    _notes: dict[str, list[str]] = field(
        default_factory=lambda: {t: [] for t in NOTE_TOPICS}, init=False, repr=False
    )

    def say(self, msg: str) -> None:
        """A progress message: to the run log (timed) and to ``progress`` (else the log)."""
        self.log.append(f"{datetime.now(UTC):%H:%M:%S} {msg}")
        (self.progress or log.info)(msg)

    def warn(self, msg: str, zh: str) -> None:
        """A warning the account carries (the reader must know it), in English (``msg``,
        the log and the API) and in Chinese (``zh``, written where the warning is raised,
        for the Chinese report)."""
        self.warnings.append(msg)
        self.warnings_zh.append(zh)

    def decide(self, decision: Decision) -> None:
        """An input accepted under a stated rule: stored with the account."""
        self.decisions.append(decision)

    def note(self, topic: str, msg: str) -> None:
        """A note the account carries (how it was made), under ``topic``."""
        self._notes.setdefault(topic, []).append(msg)

    @property
    def notes(self) -> list[str]:
        """The notes of every topic, topics in :data:`NOTE_TOPICS` order."""
        return [n for topic in self._notes.values() for n in topic]

    def notes_on(self, topic: str) -> list[str]:
        return list(self._notes.get(topic, []))

    def layer_year(self, role: str) -> int:
        """The year the layer of ``role`` is taken from."""
        return self.layer_years.get(role, self.year)
