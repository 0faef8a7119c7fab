"""The annual report's data of a stored account (:class:`ganpo.report.annual.ReportData`),
shared by ``ganpo account report`` and the platform's ``GET /api/accounts/{id}/report``.

The caller decides what the report covers (a platform user gets its own region's rows,
already cut out of the stored account) and how the region is named; this module reads the
county polygons of the account's dataset, values this account's quantities at the previous
account's prices for the change section (a volume), and draws the service raster map.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ganpo.errors import InputError
from ganpo.report.annual import ReportData
from ganpo.store.repository import StoredAccount

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from ganpo.catalog.profiles import Profile
    from ganpo.store.models import Account

Language = Literal["zh", "en"]


def default_region(stored: StoredAccount, language: Language) -> str:
    """How the report names the account's whole region: 江西省 / Jiangxi Province for
    Jiangxi's accounts, otherwise the dataset's name."""
    from ganpo.catalog.names import english_names

    a = stored.account
    if a.region_adcode == 360000:
        return "江西省" if language == "zh" else f"{english_names()[360000]} Province"
    return a.dataset_name


def report_data(
    stored: StoredAccount,
    language: Language,
    *,
    region: str | None = None,
    previous: StoredAccount | None = None,
    raster: str | None = "water_conservation",
    issuer: str = "",
    report_date: str = "",
) -> ReportData:
    """The annual report's data of ``stored`` (its results, units, prices as given), with
    the method table of its profile and the sentence that names the report's basis.

    ``previous`` (an account of an earlier year) adds the change section: this account's
    quantities at the previous account's prices (a volume, :mod:`ganpo.engine.volume`;
    rows reported at current prices deflated by their item's price index, as its notes
    say) against the previous account; ``raster`` names the indicator
    drawn as a service map (``None`` or an indicator outside the profile: no such map).
    ``issuer`` names the body that issues the report (empty: a neutral ganpo wording);
    ``report_date`` the cover's date (ISO; empty: today).
    Raises :class:`InputError` when the dataset's county polygons are not available.
    """
    from ganpo.catalog.deflators import load_deflator
    from ganpo.catalog.parameter_names import index_name
    from ganpo.catalog.parameters import load_parameter_set, prices_for_year
    from ganpo.catalog.profiles import load_profile
    from ganpo.engine.preview import service_raster
    from ganpo.engine.volume import AccountPeriod, at_base_prices
    from ganpo.io.units import dataset_counties
    from ganpo.report import summary
    from ganpo.report.method_table import (
        basis_sentence,
        deviation_frame,
        method_frame,
        method_table,
    )
    from ganpo.report.quality import build_quality, parameter_source
    from ganpo.services.methods import method

    a = stored.account
    profile = load_profile(a.profile)
    root = Path(a.dataset_root)
    try:
        polygons = dataset_counties(root)
    except InputError as exc:
        raise InputError(
            en=f"{exc.en}; the report's maps need the county polygons",
            zh=f"{exc.zh}；报告的地图需要县级行政区边界",
            source=exc.source,
        ) from exc
    units = polygons.drop(columns="area_km2", errors="ignore").merge(
        stored.counties[["county_adcode", "area_km2"]], on="county_adcode"
    )
    deflator = load_deflator(profile.deflator)
    change = prev_year = None
    change_notes: list[str] = []
    if previous is not None:
        base = previous.account.year
        volume = at_base_prices(
            AccountPeriod(
                previous.results, previous.prices, base, f"account #{previous.account.id}"
            ),
            AccountPeriod(stored.results, stored.prices, a.year, f"account #{a.id}"),
        )
        change = summary.compare(previous.results, volume.rows, str(base), str(a.year))
        prev_year = base
        change_notes = _volume_notes(volume.by_indicator(), base, a.year, language)
    raster_map = None
    if raster is not None and raster in profile.indicators:
        params, _ = prices_for_year(
            load_parameter_set(a.parameter_set),
            a.year,
            a.price_policy,  # type: ignore[arg-type]
            deflator,
        )
        raster_map = service_raster(root, a.year, profile, params, raster)
    methods_used = method_table(a.profile, language, load_parameter_set(a.parameter_set))
    return ReportData(
        region=region if region is not None else default_region(stored, language),
        year=a.year,
        account_id=a.id,
        profile_title=profile.title_zh if language == "zh" else profile.title_en,
        profile_standard=profile.standard,
        profile_verified=profile.verified,
        parameter_set=_set_title(a.parameter_set, a.parameter_set_version, language),
        price_policy=a.price_policy,
        code_version=a.code_version,
        synthetic=a.synthetic,
        results=stored.results,
        units=units,
        prices=stored.prices.assign(
            source=[
                parameter_source(str(s), str(k), a.parameter_set, language)
                for s, k in zip(stored.prices["source"], stored.prices["key"], strict=True)
            ]
        ),
        inputs=stored.inputs.assign(source=input_sources(stored.inputs, root, language)),
        methods={
            k: method(k, v).title_zh if language == "zh" else method(k, v).title_en
            for k, v in profile.indicators.items()
        },
        notes=[*a.notes, *a.warnings],
        intervals=stored.intervals if not stored.intervals.empty else None,
        change=change,
        change_notes=change_notes,
        previous_year=prev_year,
        service_raster=raster_map,
        physical=stored.physical if not stored.physical.empty else None,
        quality=build_quality(stored, language),
        basis=basis_sentence(a.profile, language),
        standing=_standing(a, language),
        method_table=method_frame(methods_used, language, deviations=False),
        deviations=deviation_frame(methods_used, language),
        deflator=index_name(profile.deflator, language),
        overlap_rules=overlap_rules(profile, language),
        issuer=issuer,
        report_date=report_date,
        level=stored.level,
        finer=None
        if stored.level == "county"
        else summary.gep_by_unit(stored.results, stored.units, "unit"),
    )


def input_sources(inputs: pd.DataFrame, root: Path, language: Language) -> list[str]:
    """The sources of the account's inputs in ``language``: in Chinese as the dataset's
    manifest gives them (an entry's ``source_zh``) where its English source is the one the
    account stored; otherwise, and when the manifest cannot be read, as stored."""
    from ganpo.errors import GanpoError
    from ganpo.io.manifest import load_manifest

    stored = [str(s) for s in inputs["source"]]
    if language != "zh":
        return stored
    try:
        manifest = load_manifest(root / "manifest.toml", verify=False).manifest
    except (GanpoError, OSError):
        return stored
    by_path = {e.path: e for e in manifest.entries()}
    out = []
    for path, source in zip(inputs["path"].astype(str), stored, strict=True):
        entry = by_path.get(path)
        chinese = entry.source_zh if entry is not None and entry.source == source else None
        out.append(chinese or source)
    return out


def previous_account(engine: Engine, account: Account) -> Account | None:
    """The account the change section compares ``account`` with, found in the store: same
    dataset, region and profile, the year before; the newest published one, else the
    newest not withdrawn or superseded (:func:`ganpo.store.lifecycle.preferred_account`);
    ``None`` when there is none."""
    from ganpo.store.lifecycle import preferred_account
    from ganpo.store.repository import list_accounts

    return preferred_account(
        row
        for row in list_accounts(engine)
        if row.year == account.year - 1
        and row.dataset_name == account.dataset_name
        and row.region_adcode == account.region_adcode
        and row.profile == account.profile
    )


def _set_title(name: str, version: str, language: Language) -> str:
    """The parameter set by its title and version (its name where it cannot be read)."""
    from ganpo.catalog.parameters import load_parameter_set
    from ganpo.errors import GanpoError

    try:
        p = load_parameter_set(name)
    except GanpoError:
        return f"{name} v{version}"
    return (
        f"{p.title_zh}（{version} 版）" if language == "zh" else f"{p.title_en}, version {version}"
    )


def overlap_rules(profile: Profile, language: Language) -> list[str]:
    """The profile's double-counting rules as sentences in ``language``: which two
    indicators, kept both or one dropped, and why."""
    from ganpo.catalog.indicators import indicators

    cat = indicators()

    def name(key: str) -> str:
        return cat[key].name_zh if language == "zh" else cat[key].name_en

    out = []
    for rule in profile.overlaps:
        a, b = (name(k) for k in rule.indicators)
        if language == "zh":
            what = "两项均计" if rule.dropped is None else f"不计{name(rule.dropped)}"
            out.append(f"{a}与{b}：{what}。{rule.reason_zh}")
        else:
            what = "both kept" if rule.dropped is None else f"{name(rule.dropped)} not counted"
            out.append(f"{a} and {b}: {what}. {rule.reason_en}")
    return out


def _volume_notes(
    per_indicator: pd.DataFrame, base: int, year: int, language: Language
) -> list[str]:
    """How the change section's volume was made, in the report's language: the rule, and
    the items deflated by a price index instead (the only ones not at base-year prices)."""
    from ganpo.catalog.indicators import indicators
    from ganpo.catalog.parameter_names import index_name

    cat = indicators()
    notes = [
        f"物量按{base}年（基期）价格计算：{year}年（报告期）实物量 × {base}年单位价值。"
        if language == "zh"
        else f"Volume at {base} prices: {year} quantities × {base} unit values."
    ]
    rows = per_indicator[
        (per_indicator["indicator"] != "GEP") & (per_indicator["basis"].str.contains("deflated"))
    ]
    for key, group in rows.groupby("index"):
        index = index_name(str(key), language)
        keys = [str(k) for k in group["indicator"]]
        names = [
            (cat[k].name_zh if language == "zh" else cat[k].name_en) if k in cat else k
            for k in keys
        ]
        notes.append(
            f"{'、'.join(names)}按现价报告，用{index}缩减至{base}年价格，未按基期价格计价。"
            if language == "zh"
            else f"{', '.join(names)}: reported at current prices, deflated to {base} prices "
            f"by the {index}; not valued at base-year prices."
        )
    return notes


def _standing(account: Any, language: str) -> str:
    """The cover's mark of a withdrawn or superseded account, in the report's language."""
    from ganpo.store.repository import standing_mark

    mark = standing_mark(account)
    if not mark:
        return ""
    english, chinese = mark.split(" / ", 1)
    return chinese if language == "zh" else english
