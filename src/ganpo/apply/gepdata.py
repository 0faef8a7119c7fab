"""GEP per county from stored accounts, as the applications use it.

All values come from the stored result rows (indicator × ecosystem type × county) of an
account; growth is computed at constant prices by restating both accounts to the earlier
year's prices with the deflator of the account's profile
(:func:`ganpo.engine.prices.restate_results`, docs/decisions/0020-volume-measures.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
from sqlalchemy import Engine

from ganpo.catalog.deflators import Deflator, load_deflator
from ganpo.catalog.profiles import load_profile
from ganpo.engine.prices import restate_results
from ganpo.errors import InputError, StoreError, StoreUnavailableError, halves
from ganpo.store.lifecycle import preferred_account, standing
from ganpo.store.models import CURRENT_STATUSES
from ganpo.store.repository import StoredAccount, list_accounts, load_account


def stored_account(engine: Engine, account_id: int) -> StoredAccount:
    """Load account ``account_id`` for new work; an id not in the store, or an account
    withdrawn or superseded by a revision, is an :class:`InputError` (bad input naming
    what to use instead), not a store failure."""
    try:
        found = load_account(engine, account_id)
    except StoreUnavailableError:
        raise
    except StoreError as exc:  # no such account: the message lists the stored ids
        en, zh = halves(str(exc))  # repository.missing_account's: both, the stored ids
        if zh == en:  # a store error without its Chinese half
            zh = f"库中没有核算 #{account_id}，请给出已存核算的编号（见 ganpo account list）"
        raise InputError(en=en, zh=zh, field="account", values=[account_id]) from exc
    a = found.account
    if a.status not in CURRENT_STATUSES:
        english, chinese = standing(a.status, a.superseded_by, a.status_reason, a.status_at)
        instead = (
            f"new work uses the revision: give account {a.superseded_by}"
            if a.status == "superseded"
            else f"give another account of {a.year}, or none for the default"
        )
        raise InputError(
            en=f"account {account_id} was {english}; its figures stay for the records that used "
            f"them, but {instead}",
            zh=f"核算 #{account_id} {chinese}，不再用于新的应用",
            field="account",
            values=[account_id],
        )
    return found


def require_region(
    stored: StoredAccount,
    inside: Callable[[int], bool],
    region: tuple[str, str],
    *,
    what: str = "account",
) -> None:
    """Refuse an account none of whose counties is ``inside`` the region the command works
    on (``region``: how the message names it in English and in Chinese): an account of
    another region. An account that also holds counties outside is kept (a county code the
    region table does not list, such as a 市辖区, is no sign of another region)."""
    counties = sorted({int(c) for c in stored.counties["county_adcode"]})
    if any(inside(c) for c in counties):
        return
    aid = stored.account.id
    shown = [str(c) for c in counties[:5]] + (["…"] if len(counties) > 5 else [])
    en, zh = region
    raise InputError(
        en=f"{what} {aid} covers no county of {en} (its counties: {', '.join(shown) or 'none'}); "
        "give an account of that region (`ganpo account list`)",
        zh=f"核算 #{aid} 不含{zh}的任何"
        f"区县（其区县：{'、'.join(shown) or '无'}），请给出该地区的核算",
        field="account",
        values=[aid, *counties[:5]],
    )


def account_for_year(
    engine: Engine, year: int, account_id: int | None = None, *, purpose: str = ""
) -> StoredAccount:
    """The account ``account_id`` (which must be of ``year``), or the account of ``year``:
    the newest published one, else the newest draft, never a withdrawn or superseded one
    (:func:`ganpo.store.lifecycle.preferred_account`)."""
    if account_id is not None:
        found = stored_account(engine, account_id)
        if found.account.year != year:
            raise InputError(
                en=f"account {account_id} is of {found.account.year}, not {year}; give an "
                f"account of {year} or change --year",
                zh=f"核算 #{account_id} 是 "
                f"{found.account.year} 年的核算，不是 {year} 年的；请给出 {year} 年的核算或更改 "
                "--year",
                field="account",
                values=[account_id],
            )
        return found
    stored = list_accounts(engine)
    chosen = preferred_account(a for a in stored if a.year == year)
    if chosen is None:
        years = sorted({a.year for a in stored if a.status in CURRENT_STATUSES})
        why = f" ({purpose})" if purpose else ""
        gone = [f"#{a.id} {a.status}" for a in stored if a.year == year]
        which = f"current stored account of {year}{why} (only {', '.join(gone)})"
        which_zh = f"{year} 年可用的核算（仅有已撤回或已被修订取代的 {'、'.join(gone)}）"
        raise InputError(
            en=f"no {which if gone else f'stored account of {year}{why}'}; stored years: "
            f"{', '.join(map(str, years)) or 'none'}. Run `ganpo account run` (or "
            "`ganpo demo`) for that year first",
            zh="库中没有 "
            f"{which_zh if gone else f'{year} 年的核算'}；已有核算的年份："
            f"{'、'.join(map(str, years)) or '无'}。请先运行该年的核算（ganpo account run 或 "
            "ganpo demo）",
            field="year",
            values=[year],
        )
    return load_account(engine, chosen.id)


def _select(results: pd.DataFrame, only: Iterable[str] | None) -> pd.DataFrame:
    keys = list(only or [])
    return results[results["indicator"].isin(keys)] if keys else results


def county_gep(stored: StoredAccount, only: Iterable[str] | None = None) -> pd.DataFrame:
    """GEP and its categories per county (CNY), with area and GEP per km².

    Columns: ``county_adcode, county_name, city_adcode, area_km2, gep_cny,
    material_cny, regulating_cny, cultural_cny, gep_per_km2`` (one row per county of
    the account, zero where a county has no result rows); ``only`` restricts to some
    indicators.
    """
    results = _select(stored.results, only)
    by_cat = (
        results.pivot_table(
            index="county_adcode", columns="category", values="value_cny", aggfunc="sum"
        )
        .reindex(columns=["material", "regulating", "cultural"])
        .fillna(0.0)
    )
    units = stored.counties[["county_adcode", "county_name", "city_adcode", "area_km2"]]
    out = units.merge(by_cat, left_on="county_adcode", right_index=True, how="left").fillna(
        {"material": 0.0, "regulating": 0.0, "cultural": 0.0}
    )
    out = out.rename(
        columns={
            "material": "material_cny",
            "regulating": "regulating_cny",
            "cultural": "cultural_cny",
        }
    )
    out["gep_cny"] = out["material_cny"] + out["regulating_cny"] + out["cultural_cny"]
    out["gep_per_km2"] = out["gep_cny"] / out["area_km2"]
    return out.sort_values("county_adcode").reset_index(drop=True)


def account_deflator(stored: StoredAccount) -> Deflator:
    """The deflator of the account's profile (cn-cpi for the shipped profiles)."""
    return load_deflator(load_profile(stored.account.profile).deflator)


def constant_price_growth(
    current: StoredAccount, previous: StoredAccount, only: Iterable[str] | None = None
) -> pd.DataFrame:
    """GEP growth per county at constant prices of the earlier year.

    .. math:: g = \\frac{GEP_b@a - GEP_a@a}{GEP_a@a}

    with both accounts restated to the prices of year a (the earlier account). Columns:
    ``county_adcode, gep_prev_constant_cny, gep_constant_cny, gep_growth`` (growth as a
    fraction; NaN where the earlier GEP is zero).
    """
    if previous.account.year >= current.account.year:
        raise InputError(
            en=f"growth needs an earlier account: {previous.account.year} is not before "
            f"{current.account.year}",
            zh=f"计算增长须有更早年份的核算：{previous.account.year} 年"
            f"不早于 {current.account.year} 年",
            field="year",
        )
    deflator = account_deflator(current)
    base = previous.account.year
    a = restate_results(_select(previous.results, only), previous.prices, base, deflator, base)
    b = restate_results(
        _select(current.results, only), current.prices, current.account.year, deflator, base
    )
    sa = a.groupby("county_adcode")["value_cny"].sum().rename("gep_prev_constant_cny")
    sb = b.groupby("county_adcode")["value_cny"].sum().rename("gep_constant_cny")
    out = pd.concat([sa, sb], axis=1).fillna(0.0)
    prev = out["gep_prev_constant_cny"]
    out["gep_growth"] = (out["gep_constant_cny"] - prev) / prev.where(prev != 0)
    out.index.name = "county_adcode"
    return out.reset_index()
