"""Tracking: targets, progress, budgets and early warnings, once for every domain
(docs/tracking.md).

Indicators, targets and warning thresholds are data (:mod:`~ganpo.tracking.model`, read
by :mod:`~ganpo.tracking.registry`, which domains register theirs in); progress against a
target with the "time elapsed, task achieved" test (:mod:`~ganpo.tracking.progress`); the
budget of a ceiling on a total and its projected exhaustion (:mod:`~ganpo.tracking.budget`);
warnings graded by thresholds, one per cause, in Chinese and English
(:mod:`~ganpo.tracking.early_warning`). Carbon emission dual control is the first domain
registered (:mod:`~ganpo.tracking.dual_control`); the Jiangxi decision's pillars, clauses,
targets and observed series the next (:mod:`~ganpo.tracking.decision`, series files by
:mod:`~ganpo.tracking.series`), graded achieved, on track, at risk or off track by the
required-growth method or a linear path (:mod:`~ganpo.tracking.status`). Pure functions
over plain values and pandas tables: no store, CLI or web here; :mod:`ganpo.carbon` may
import this package, never the reverse (docs/decisions/0032-tracking-module.md).
"""
