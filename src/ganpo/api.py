"""The Python API: run, load and compare GEP accounts and open their value rasters, in a
notebook or a script (docs/python-api.md). 核算的 Python 接口。

Every function is reached as ``ganpo.<name>`` (loaded on first use) and wraps what the
``ganpo`` command runs: the engine (:func:`ganpo.engine.account.run_account`,
:func:`ganpo.engine.decompose.decompose`), the store (:mod:`ganpo.store.repository`) and
the summaries (:mod:`ganpo.report.summary`). Tables are pandas DataFrames, rasters xarray
DataArrays, and each says its units:

- a DataFrame's ``attrs["units"]`` maps a column to its unit (``{"value_cny": "CNY"}``);
  where the unit differs from row to row, ``attrs["unit_columns"]`` names the column that
  holds each row's unit (``{"quantity": "quantity_unit"}``);
- a DataArray's ``attrs["units"]`` is the unit of its cells (``"CNY per cell"``).

A store is what ``--database`` takes: a SQLite file path or a SQLAlchemy URL
(``postgresql+psycopg://…``), or an engine of :func:`ganpo.store.repository.open_store`.

Like the CLI and the web application this module is an entry point: it may use every
layer below it, and neither of the other two uses it (tests/test_layers.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ganpo.errors import InputError, StoreError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr
    from sqlalchemy import Engine

    from ganpo.engine.result import AccountResult
    from ganpo.engine.stages.context import StageMessage
    from ganpo.store.repository import StoredAccount

    #: a store: a SQLite file path, a SQLAlchemy URL, or an open engine
    StoreLike: TypeAlias = str | os.PathLike[str] | Engine

#: the units of the columns of an account's tables whose unit is fixed, and the columns
#: that hold the unit of each row where it varies
_UNITS: dict[str, str] = {
    "value_cny": "CNY",
    "gep_cny": "CNY",
    "material_cny": "CNY",
    "regulating_cny": "CNY",
    "cultural_cny": "CNY",
    "gep_cny_per_km2": "CNY/km2",
    "area_m2": "m2",
    "area_km2": "km2",
    "cells": "1",
    "share": "1",
    "value_a": "CNY",
    "value_b": "CNY",
    "price_effect": "CNY",
    "quantity_effect": "CNY",
    "land_cover_effect": "CNY",
    "other_effect": "CNY",
}
_UNIT_COLUMNS: dict[str, str] = {
    "quantity": "quantity_unit",
    "price": "price_unit",
    "value": "unit",
}


def _with_units(frame: pd.DataFrame, **extra: Any) -> pd.DataFrame:
    """``frame`` with ``attrs["units"]`` and ``attrs["unit_columns"]`` for its columns."""
    columns = set(frame.columns)
    frame.attrs["units"] = {c: u for c, u in _UNITS.items() if c in columns}
    frame.attrs["unit_columns"] = {
        c: u for c, u in _UNIT_COLUMNS.items() if c in columns and u in columns
    }
    frame.attrs.update(extra)
    return frame


def _engine(store: StoreLike) -> Engine:
    from sqlalchemy import Engine

    from ganpo.store.repository import open_store

    if isinstance(store, Engine):
        return store
    return open_store(os.fspath(store))


@dataclass(frozen=True)
class Account:
    """A GEP account: what it is of, and its tables with their units.

    ``results`` has one row per indicator × component × ecosystem type × unit (quantity,
    price, value in CNY; :data:`ganpo.engine.result.RESULT_COLUMNS`); ``prices`` the
    prices it used, ``extent`` the area of each ecosystem type per unit, ``units`` its
    administrative units, ``physical`` the quantities reported beside the GEP (never
    valued) and ``rasters`` the value rasters it wrote (indicator, path, unit), which
    :func:`open_value_raster` opens. ``id`` is the account's id in the store and
    ``status`` its standing there (``draft``, ``published``, ``withdrawn``,
    ``superseded``); an account run without a store has no id and the status
    ``not stored``.
    """

    id: int | None
    dataset: str
    dataset_root: str
    year: int
    region_adcode: int
    profile: str
    price_policy: str
    parameter_set: str
    status: str
    synthetic: bool
    results: pd.DataFrame
    prices: pd.DataFrame
    extent: pd.DataFrame
    units: pd.DataFrame
    physical: pd.DataFrame
    rasters: pd.DataFrame
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def gep_cny(self) -> float:
        """The account's GEP [CNY]: the sum of its values."""
        return float(self.results["value_cny"].sum())

    def by_indicator(self) -> pd.DataFrame:
        """Quantity and value per indicator, in catalogue order, with each one's share of
        the GEP (:func:`ganpo.report.summary.gep_by_indicator`).

        Example::

            table = acc.by_indicator()
            table[["indicator", "quantity", "quantity_unit", "value_cny", "share"]]
        """
        from ganpo.report.summary import gep_by_indicator

        return _with_units(gep_by_indicator(self.results))

    def by_unit(
        self, level: Literal["unit", "county", "city", "province"] = "county"
    ) -> pd.DataFrame:
        """GEP per administrative unit of ``level`` (the account's own units, counties,
        cities or the province): values by category, total, per km²
        (:func:`ganpo.report.summary.gep_by_unit`).

        Example::

            acc.by_unit("county").nlargest(5, "gep_cny_per_km2")[["name", "gep_cny_per_km2"]]
        """
        from ganpo.report.summary import gep_by_unit

        return _with_units(gep_by_unit(self.results, self.units, level))


def _from_result(result: AccountResult, account_id: int | None, status: str) -> Account:
    return Account(
        id=account_id,
        dataset=result.dataset_name,
        dataset_root=result.dataset_root,
        year=result.year,
        region_adcode=result.region_adcode,
        profile=result.profile,
        price_policy=result.price_policy,
        parameter_set=result.parameter_set,
        status=status,
        synthetic=result.synthetic,
        results=_with_units(result.results),
        prices=_with_units(result.prices),
        extent=_with_units(result.extent),
        units=_with_units(result.units),
        physical=_with_units(result.physical),
        rasters=result.rasters,
        warnings=tuple(result.warnings),
        notes=tuple(result.notes),
    )


def _from_stored(stored: StoredAccount) -> Account:
    a = stored.account
    return Account(
        id=a.id,
        dataset=a.dataset_name,
        dataset_root=a.dataset_root,
        year=a.year,
        region_adcode=a.region_adcode,
        profile=a.profile,
        price_policy=a.price_policy,
        parameter_set=a.parameter_set,
        status=a.status,
        synthetic=a.synthetic,
        results=_with_units(stored.results),
        prices=_with_units(stored.prices),
        extent=_with_units(stored.extent),
        units=_with_units(stored.units),
        physical=_with_units(stored.physical),
        rasters=stored.rasters,
        warnings=tuple(a.warnings or ()),
        notes=tuple(a.notes or ()),
    )


def run_account(
    dataset: str | os.PathLike[str],
    year: int,
    *,
    profile: str | None = None,
    params: str | None = None,
    store: StoreLike | None = None,
    rasters_dir: str | os.PathLike[str] | None = None,
    scheduler: str | None = None,
    chunk: int = 1024,
    progress: Callable[[StageMessage], None] | None = None,
) -> Account:
    """Compute the GEP account of ``year`` for a dataset (its ``manifest.toml`` or its
    folder), as ``ganpo account run`` does; with ``store``, store it there (an account
    with identical inputs already stored is not stored twice: its id is returned).

    ``profile`` is the accounting standard (``ganpo profiles``; default the command's,
    ``jiangxi-db36-2021``), ``params`` a parameter set (default: the profile's). With
    ``rasters_dir`` the value of every raster service per cell is written there
    (:func:`open_value_raster` opens them once the account is stored). ``scheduler`` and
    ``chunk`` are those of the command; ``progress`` receives the stage messages: each a
    string, the English line, that carries its Chinese half in ``.zh``
    (``progress=lambda m: print(m.zh)`` prints them in Chinese).

    Example::

        import ganpo

        acc = ganpo.run_account("data/demo-5000m", 2022, store="out/ganpo.sqlite")
        print(f"account #{acc.id}: GEP {acc.gep_cny / 1e8:,.2f} 亿元")
    """
    from ganpo.engine.account import DEFAULT_PROFILE
    from ganpo.engine.account import run_account as run
    from ganpo.store.repository import find_account, save_account

    result = run(
        Path(dataset),
        year,
        profile or DEFAULT_PROFILE,
        params,
        rasters_dir=None if rasters_dir is None else Path(rasters_dir),
        scheduler=scheduler,
        chunk=chunk,
        progress=progress,
    )
    if store is None:
        return _from_result(result, None, "not stored")
    engine = _engine(store)
    existing = find_account(engine, result.input_digest)
    if existing is not None:
        return _from_result(result, existing.id, existing.status)
    return _from_result(result, save_account(engine, result), "draft")


def load_account(store: StoreLike, account_id: int) -> Account:
    """A stored account with its tables (``ganpo account show``).

    Example::

        acc = ganpo.load_account("out/ganpo.sqlite", 1)
        acc.results.attrs["units"]  # {'value_cny': 'CNY'}
        acc.results.attrs["unit_columns"]  # {'quantity': 'quantity_unit', 'price': ...}
    """
    from ganpo.store.repository import load_account as load

    return _from_stored(load(_engine(store), account_id))


#: the columns of :func:`list_accounts` (the store's names)
ACCOUNT_COLUMNS = (
    "id",
    "dataset_name",
    "synthetic",
    "region_adcode",
    "year",
    "profile",
    "price_policy",
    "parameter_set",
    "parameter_set_version",
    "gep_cny",
    "code_version",
    "finished_at",
    "status",
    "superseded_by",
)


def list_accounts(store: StoreLike) -> pd.DataFrame:
    """The accounts of a store, one row each, oldest first (``ganpo account list``; the
    columns are :data:`ACCOUNT_COLUMNS`, ``gep_cny`` in CNY, times in UTC).

    Example::

        accounts = ganpo.list_accounts("out/ganpo.sqlite")
        accounts[accounts.status == "published"][["id", "year", "gep_cny"]]
    """
    import pandas as pd

    from ganpo.store.repository import list_accounts as listed

    rows = [{c: getattr(a, c) for c in ACCOUNT_COLUMNS} for a in listed(_engine(store))]
    return _with_units(pd.DataFrame(rows, columns=list(ACCOUNT_COLUMNS)))


def compare_accounts(
    a: Account | int,
    b: Account | int,
    *,
    measure: Literal["volume", "cpi"] = "volume",
    store: StoreLike | None = None,
    land_cover: bool = False,
    by: Literal["indicator", "county"] = "indicator",
) -> pd.DataFrame:
    """The change of GEP from account ``a`` (base) to ``b``, split into a price effect and a
    quantity effect (``ganpo account compare``; :func:`ganpo.engine.decompose.decompose`).

    ``a`` and ``b`` are accounts or ids of accounts in ``store``. ``measure`` is how B is
    brought to A's prices: ``volume`` (B's quantities at A's prices, as statistics bureaus
    measure real growth) or ``cpi`` (CPI-deflated values, the weaker substitute). With
    ``land_cover`` B is computed again with A's ecosystem types (B's dataset must be at
    hand), which splits the quantity effect into ``land_cover_effect`` and
    ``other_effect``. One row per indicator and a final ``GEP`` row (``by="indicator"``),
    or per indicator × county (``by="county"``); values in CNY, ``attrs["notes"]`` says how
    B was valued.

    Example::

        change = ganpo.compare_accounts(1, 2, store="out/ganpo.sqlite")
        change.set_index("indicator").loc["GEP", ["price_effect", "quantity_effect"]]
    """
    from ganpo.catalog.deflators import load_deflator
    from ganpo.catalog.profiles import load_profile
    from ganpo.engine.account import run_account as run
    from ganpo.engine.decompose import by_indicator, decompose
    from ganpo.engine.volume import AccountPeriod

    first, second = (_account(x, store) for x in (a, b))
    if first.region_adcode != second.region_adcode:
        raise InputError(
            en=f"the accounts are of different regions ({first.region_adcode} and "
            f"{second.region_adcode}); compare accounts of the same region",
            zh=f"两次核算属于不同地区（{first.region_adcode} 与 {second.region_adcode}）："
            "请比较同一地区的核算",
            field="region_adcode",
        )
    deflator = load_deflator(load_profile(second.profile).deflator)
    pa = AccountPeriod(first.results, first.prices, first.year, _label(first))
    pb = AccountPeriod(second.results, second.prices, second.year, _label(second))
    held = None
    if land_cover:
        counterfactual = run(
            Path(second.dataset_root),
            second.year,
            second.profile,
            second.parameter_set,
            price_policy=second.price_policy,  # type: ignore[arg-type]
            layer_years={"ecosystem_type": first.year},
        )
        held = AccountPeriod(
            counterfactual.results,
            counterfactual.prices,
            second.year,
            f"{_label(second)} with the ecosystem types of {first.year}",
        )
    d = decompose(pa, pb, deflator, held, measure=measure)
    out = by_indicator(d) if by == "indicator" else d
    return _with_units(out, measure=measure, notes=list(d.attrs.get("notes", [])))


def _account(x: Account | int, store: StoreLike | None) -> Account:
    if isinstance(x, Account):
        return x
    if store is None:
        raise InputError(
            en=f"account {x} is an id: give the store it is in (store=…)",
            zh=f"核算 {x} 是一个编号：请给出它所在的存储库（store=…）",
            field="store",
        )
    return load_account(store, int(x))


def _label(acc: Account) -> str:
    return f"account #{acc.id}" if acc.id is not None else f"the {acc.year} account"


def open_value_raster(
    store: StoreLike,
    account_id: int,
    indicator: str,
    *,
    chunks: int | dict[str, int] | None = None,
    verify: bool = True,
) -> xr.DataArray:
    """The per-cell value of one raster service of a stored account, as a lazy xarray
    DataArray on the account's grid (``y``, ``x`` in the raster's CRS, ``.rio.crs``);
    ``attrs["units"]`` is ``"CNY per cell"``, cells outside the region are NaN. The
    account must have been run with ``rasters_dir`` (``--rasters`` of the command).

    With ``verify`` (default) the file is checked against the checksum the account
    recorded, as ``ganpo account export`` does; ``chunks`` is handed to
    :func:`rioxarray.open_rasterio` (``None``: read on access).

    Example::

        da = ganpo.open_value_raster("out/ganpo.sqlite", 1, "water_conservation")
        print(float(da.sum()) / 1e8, "亿元", da.attrs["units"])  # … CNY per cell
        da.plot.imshow(robust=True)
    """
    import rioxarray
    import xarray as xr
    from sqlalchemy.orm import Session

    from ganpo.io.manifest import sha256_file
    from ganpo.store.models import Account as AccountRow
    from ganpo.store.repository import acc_rasters

    with Session(_engine(store)) as session:
        if session.get(AccountRow, account_id) is None:
            raise StoreError(
                en=f"no account {account_id} in the store; ganpo.list_accounts(store) lists them",
                zh=f"库中没有核算 #{account_id}；ganpo.list_accounts(store) 可列出已存的核算",
            )
        rasters = {
            r.indicator: (r.path, r.sha256, r.unit) for r in acc_rasters(session, account_id)
        }
    if indicator not in rasters:
        raise InputError(
            en=f"account {account_id} has no value raster of {indicator!r}; it has "
            + (
                ", ".join(sorted(rasters))
                if rasters
                else "none (run it with rasters_dir=… or --rasters DIR)"
            ),
            zh=f"核算 {account_id} 没有指标 {indicator!r} 的价值量栅格；现有："
            + (
                "、".join(sorted(rasters))
                if rasters
                else "无（请以 rasters_dir=… 或 --rasters DIR 重新运行核算）"
            ),
            field="indicator",
            values=[indicator],
        )
    path, sha256, unit = rasters[indicator]
    if verify and (not Path(path).exists() or sha256_file(Path(path)) != sha256):
        raise InputError(
            en="value raster missing or changed since the account wrote it; run the account "
            "again to write it anew",
            zh="价值量栅格缺失，或在核算写出后被改动：请重新运行该核算以重写栅格",
            source=Path(path),
        )
    opened = rioxarray.open_rasterio(path, masked=True, chunks=chunks)
    assert isinstance(opened, xr.DataArray)  # one band, one variable
    da = opened.squeeze("band", drop=True)
    da.name = indicator
    da.attrs.update(units=unit, indicator=indicator, account_id=account_id)
    return da


def demo_dataset(
    folder: str | os.PathLike[str] | None = None,
    *,
    resolution_m: float = 5000.0,
    seed: int = 20240101,
    years: tuple[int, ...] = (2022, 2023),
) -> Path:
    """The synthetic Jiangxi demo dataset (``ganpo demo``'s), built in ``folder`` (default
    ``data/demo-<resolution>m``) unless it is there already; its manifest's path. A coarse
    ``resolution_m`` builds in seconds.

    Example::

        manifest = ganpo.demo_dataset(resolution_m=5000)  # data/demo-5000m/manifest.toml
        ganpo.run_account(manifest, 2022)
    """
    from ganpo.demo.generator import build_demo_dataset, is_current

    where = Path(folder) if folder is not None else Path(f"data/demo-{resolution_m:g}m")
    if not is_current(where, resolution_m, seed, years):
        return build_demo_dataset(where, resolution_m=resolution_m, seed=seed, years=years)
    return where / "manifest.toml"
