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


class StageMessage(str):
    """A stage message of an account: the English line (the string itself, what a
    one-argument ``progress`` callback prints or logs) carrying its Chinese half in
    :attr:`zh` (decision 0101). Files are named by their file name, never by a path."""

    zh: str

    def __new__(cls, en: str, zh: str) -> StageMessage:
        msg = super().__new__(cls, en)
        msg.zh = zh
        return msg

    @property
    def en(self) -> str:
        """The English half as a plain string."""
        return str.__str__(self)

    def __reduce__(self) -> tuple[type[StageMessage], tuple[str, str]]:
        return StageMessage, (self.en, self.zh)  # pickled and copied with its Chinese half


def message_halves(msg: str) -> tuple[str, str | None]:
    """The English and Chinese halves of a stage message (``None``: a line without a
    Chinese half, any plain string)."""
    if isinstance(msg, StageMessage):
        return msg.en, msg.zh
    return str(msg), None


#: what receives an account's stage messages (a callback of one string, the English line,
#: keeps working: a :class:`StageMessage` is a string)
Progress = Callable[[StageMessage], None]
#: what says a stage message in its two halves, English and Chinese (:meth:`Run.say`)
Say = Callable[[str, str], None]

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

    def say(self, en: str, zh: str) -> None:
        """A stage message in English (``en``) and Chinese (``zh``, written where the
        message is made): the English line to the run log (timed), the message to
        ``progress`` (else the log) as a :class:`StageMessage`, a string whose text is the
        English line and which carries ``zh``."""
        self.log.append(f"{datetime.now(UTC):%H:%M:%S} {en}")
        (self.progress or log.info)(StageMessage(en, zh))

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
