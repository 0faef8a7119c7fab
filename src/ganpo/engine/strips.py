"""A block's per-cell arithmetic evaluated in strips of rows that fit in the cache.

The pass's raster components are dask expressions whose tasks each make a whole block
(1024² float64, 8 MB) out of others: a component of ten operations streams ten such
arrays through memory, and the pass is bound by that traffic, not by the arithmetic.
:func:`plan_block` takes the tasks of one block that are known to be per-cell (numpy's
ufuncs, the ``operator`` functions, ``numpy.where``, the per-type lookups of
:func:`ganpo.services.base.lookup`) between the block's reads and the arrays the pass
sums, and :class:`StripPlan` evaluates them on a strip of rows of each read at a time:
the same functions on the same cells, each result a few hundred kilobytes that stay in
the cache. Everything else (the reads, the zones, any task not known to be per-cell) is
left to dask, one task per block as before, and its block is an input of the plan."""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
from dask._task_spec import DataNode, GraphNode, Task, TaskRef
from dask.array.core import _enforce_dtype
from dask.base import tokenize

from ganpo.services.base import take_by_code

#: The ``operator`` functions dask's array arithmetic makes tasks of, all per-cell.
_OPERATORS = frozenset(
    {
        operator.abs,
        operator.add,
        operator.and_,
        operator.eq,
        operator.floordiv,
        operator.ge,
        operator.gt,
        operator.invert,
        operator.le,
        operator.lt,
        operator.mod,
        operator.mul,
        operator.ne,
        operator.neg,
        operator.or_,
        operator.pos,
        operator.pow,
        operator.sub,
        operator.truediv,
        operator.xor,
    }
)

#: An argument of a step: the slot of an array (≥ 0) or −1 and a value passed as is.
Arg = tuple[int, Any]
#: A step: the function, its arguments and keyword arguments, the slot of its result.
Step = tuple[Callable[..., Any], tuple[Arg, ...], dict[str, Any], int]


def _known(func: object) -> bool:
    if isinstance(func, np.ufunc):
        return func.nout == 1
    return func in _OPERATORS or func is np.where or func is take_by_code


def _per_cell(node: object) -> bool:
    """Whether ``node`` is a task known to compute each cell from the same cell of its
    array arguments (and from values that are no block: numbers, a lookup table): a
    known function, or one wrapped by dask to cast its result to the dtype it announced
    (an operation with a 0-d dask array)."""
    if not isinstance(node, Task):
        return False
    func, kwargs = node.func, node.kwargs
    if func is _enforce_dtype:
        if set(kwargs) != {"enforce_dtype", "enforce_dtype_function"}:
            return False
        if not isinstance(kwargs["enforce_dtype"], np.dtype):
            return False
        func = kwargs["enforce_dtype_function"]
    elif kwargs:
        return False
    if not _known(func):
        return False
    for i, a in enumerate(node.args):
        if isinstance(a, TaskRef):
            if func is take_by_code and i > 0:  # the table is no block
                return False
        elif isinstance(a, DataNode):
            if not _unblocked(a.value):
                return False
        elif isinstance(a, GraphNode) or not _unblocked(a):
            return False
    return True


def _unblocked(value: object) -> bool:
    """A literal argument that is the same for every row: a number, or an array of at most
    one row (broadcast to every row)."""
    if isinstance(value, np.ndarray):
        return value.ndim < 2 or value.shape[-2] == 1
    return isinstance(value, (int, float, bool, complex, np.generic)) or value is None


class StripPlan:
    """The per-cell steps that make a block's ``outputs`` from its inputs (slots
    0…``n_inputs`` − 1), in an order where each step follows those it reads; an array is
    dropped after the last step that reads it. ``token`` names it for dask: the keys of
    the tasks it stands for (dask's names of their functions and arguments)."""

    def __init__(
        self, n_inputs: int, steps: Sequence[Step], outputs: Sequence[int], token: str = ""
    ) -> None:
        self.token = token
        self.n_inputs = n_inputs
        self.steps = tuple(steps)
        self.outputs = tuple(outputs)
        last: dict[int, int] = {}
        for i, (_, args, _, _) in enumerate(self.steps):
            for slot, _ in args:
                if slot >= 0:
                    last[slot] = i
        kept = set(self.outputs)
        self.frees = tuple(
            tuple(s for s, i_last in last.items() if i_last == i and s not in kept)
            for i in range(len(self.steps))
        )
        self.n_slots = n_inputs + len(self.steps)

    def evaluate(self, inputs: Sequence[Any]) -> list[Any]:
        """The outputs from ``inputs`` (whole blocks, or the same rows of each)."""
        env: list[Any] = [None] * self.n_slots
        env[: self.n_inputs] = inputs
        for (func, args, kwargs, out), free in zip(self.steps, self.frees, strict=True):
            env[out] = func(*[env[s] if s >= 0 else v for s, v in args], **kwargs)
            for s in free:
                env[s] = None
        return [env[s] for s in self.outputs]


def plan_block(
    graph: Mapping[Hashable, Any], outputs: Sequence[Hashable], whole: set[Hashable]
) -> tuple[StripPlan, list[Hashable]]:
    """The plan of the per-cell tasks of ``graph`` that the ``outputs`` keys are made of,
    and the keys of its inputs (in the order of its input slots): the tasks that are not
    per-cell (:func:`_per_cell`) and the keys in ``whole`` (wanted as whole blocks)."""
    inputs: dict[Hashable, int] = {}
    made: dict[Hashable, int] = {}
    steps: list[
        tuple[Callable[..., Any], list[tuple[Hashable | None, Any]], dict[str, Any], Hashable]
    ] = []

    def visit(key: Hashable) -> None:
        if key in inputs or key in made:
            return
        node = graph.get(key)
        if key in whole or not _per_cell(node):
            inputs[key] = len(inputs)
            return
        assert isinstance(node, Task)
        args: list[tuple[Hashable | None, Any]] = []
        for a in node.args:
            if isinstance(a, TaskRef):
                visit(a.key)
                args.append((a.key, None))
            else:
                args.append((None, a.value if isinstance(a, DataNode) else a))
        made[key] = len(made)
        steps.append((node.func, args, dict(node.kwargs), key))

    for key in outputs:
        visit(key)
    n = len(inputs)

    def slot(key: Hashable) -> int:
        return inputs[key] if key in inputs else n + made[key]

    planned: list[Step] = [
        (
            func,
            tuple((-1, v) if k is None else (slot(k), None) for k, v in args),
            kwargs,
            slot(key),
        )
        for func, args, kwargs, key in steps
    ]
    token = tokenize(list(inputs), [key for _, _, _, key in steps], list(outputs))
    return StripPlan(n, planned, [slot(k) for k in outputs], token), list(inputs)


def strips_of(inputs: Sequence[Any], rows: int, strip_rows: int) -> list[tuple[int, int]]:
    """The strips of rows to evaluate a block of ``rows`` rows in: of ``strip_rows`` rows,
    in order; the whole block at once when it is no taller, or when an input is not an
    array of its rows or a value that is the same for every row (then only the whole
    block is certain to be cut right)."""
    if rows <= strip_rows:
        return [(0, rows)]
    for x in inputs:
        if not (_rowwise(x, rows) or _unblocked(x)):
            return [(0, rows)]
    return [(r, min(r + strip_rows, rows)) for r in range(0, rows, strip_rows)]


def _rowwise(x: object, rows: int) -> bool:
    return type(x) is np.ndarray and x.ndim == 2 and x.shape[0] == rows


def cut(inputs: Sequence[Any], rows: int, r0: int, r1: int) -> list[Any]:
    """Rows ``r0``…``r1`` − 1 of each input that is an array of the block's ``rows`` rows;
    the others as they are."""
    if (r0, r1) == (0, rows):
        return list(inputs)
    return [x[r0:r1] if _rowwise(x, rows) else x for x in inputs]
