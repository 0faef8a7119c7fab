"""Forest and wetland sink credits on register parcels (decision 0052): the measured
quantity against an independent zonal sum on the tiny account, the double-counting guard
and the other refusals, issuance into the one ledger (balances = issued − what left,
property-based), the credit evidence pack, and two concurrent issuances of the same
project and vintage on PostgreSQL (exactly one succeeds)."""

from __future__ import annotations

import shutil
import sys
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import rasterio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from ganpo.apply.credit import build_evidence, write_evidence
from ganpo.apply.register import deposit_parcel
from ganpo.carbon import sink_credits as sc
from ganpo.errors import GanpoError, InputError
from ganpo.store import inclusive as istore
from ganpo.store import inclusive_sinks as sstore
from ganpo.store import register as rstore
from ganpo.store.repository import open_store

sys.path.insert(0, str(Path(__file__).parents[1] / "apply"))  # the asset tests' helpers
from assets_support import ALBERS, cell_box, stale_ecosystem_map, tiny_store

from inclusive_support import claim, person
from tinydata import RES, X0, Y0

#: the parcel of most tests, columns 0.5–2 and rows 0–2 of the tiny grid: ½ forest cell
#: (8.8 t CO2), 1 forest cell (8.8 t), ½ shrub cell (3.85 t), 1 built-up cell (0 t)
P1_BOX = (0.5, 0.0, 2.0, 2.0)


@dataclass(frozen=True)
class Tiny:
    url: str
    account_id: int
    carbon: Path
    manifest: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Tiny:
    folder = tmp_path_factory.mktemp("sinkcredit")
    ts = tiny_store(folder, draws=0)
    return Tiny(ts.url, ts.account_id, ts.rasters["carbon_sequestration"], ts.manifest)


@pytest.fixture
def tiny(built: Tiny, tmp_path: Path) -> Tiny:
    """A fresh copy of the stored tiny 2022 account (its rasters are shared, read only)."""
    src = Path(built.url.removeprefix("sqlite:///"))
    dst = tmp_path / "ganpo.sqlite"
    shutil.copy(src, dst)
    return Tiny(f"sqlite:///{dst}", built.account_id, built.carbon, built.manifest)


def _parcel(engine: object, t: Tiny, code: str, cells: tuple[float, ...] = P1_BOX) -> None:
    deposit_parcel(
        engine,  # type: ignore[arg-type]
        t.account_id,
        cell_box(*cells),
        ALBERS,
        code=code,
        name=f"林地 {code}",
        rights_type="ownership",
        actor="t",
        owner="村集体",
    )


def _project(engine: object, owner: int, code: str = "S1", parcels: list[str] | None = None,
             vintages: list[int] | None = None, kind: str = "forest") -> int:  # fmt: skip
    return sc.add_project(
        engine,  # type: ignore[arg-type]
        code=code,
        name=f"碳汇 {code}",
        kind=kind,
        owner_participant=owner,
        parcels=parcels or ["P1"],
        vintages=vintages or [2022],
        created_by="registrar",
    )


def _issue(engine: object, code: str = "S1", **kw: object) -> sc.Issued:
    return sc.issue(
        engine,  # type: ignore[arg-type]
        code,
        2022,
        issued_by="registrar",
        verified_by="verifier",
        reason="measured from the 2022 account",
        **kw,  # type: ignore[arg-type]
    )


def _zonal_by_hand(t: Tiny, cells: tuple[float, ...], kind_code: int) -> tuple[float, float]:
    """Independent of exactextract: each cell's share inside the box (shapely), times its
    value [CNY] / 55.3 CNY per t (the tiny profile's carbon price), split by ecosystem."""
    site = cell_box(*cells)
    with rasterio.open(t.carbon) as src:
        value = src.read(1).astype("float64")
    with rasterio.open(t.manifest.parent / "2022/ecosystem_type.tif") as src:
        eco = src.read(1)
    mine = other = 0.0
    for r in range(value.shape[0]):
        for c in range(value.shape[1]):
            cell = box(X0 + c * RES, Y0 - (r + 1) * RES, X0 + (c + 1) * RES, Y0 - r * RES)
            share = cell.intersection(site).area / cell.area
            t_co2 = share * value[r, c] / 55.3
            if eco[r, c] == kind_code:
                mine += t_co2
            else:
                other += t_co2
    return mine, other


def test_the_quantity_is_the_zonal_sum_of_forest_cells(tiny: Tiny) -> None:
    engine = open_store(tiny.url)
    _parcel(engine, tiny, "P1")
    m = sc.measure(engine, [rstore.get_parcel(engine, "P1")], "forest", 2022)
    mine, other = _zonal_by_hand(tiny, P1_BOX, 1)
    # by hand: ½ × 8.8 + 8.8 = 13.2 t of forest; ½ × 3.85 = 1.925 t of shrub, not credited
    assert m.measured_t == pytest.approx(mine, rel=1e-6) == pytest.approx(13.2, rel=1e-6)
    assert m.other_t == pytest.approx(other, rel=1e-6) == pytest.approx(1.925, rel=1e-6)
    assert m.kind_area_m2 == pytest.approx(1.5 * RES * RES)
    assert m.account_id == tiny.account_id and m.year == 2022
    owner = person(engine, "village-1", "village")
    _project(engine, owner)
    got = _issue(engine)
    assert got.credits == sc.sink_methodology().credits(m.measured_t) == 10_560  # 13.2 × 0.8
    assert (
        got.serials == "CI-FWS-V1-2022-360101-000000000001–000000010560"
    )  # the parcels' county, not the owner's (360102)
    assert istore.balance(engine, owner) == 10_560
    assert [s.status for s in istore.submissions(engine)] == ["issued"]


def test_a_stored_map_value_that_is_no_code_is_refused(tmp_path: Path) -> None:
    """An account stored before its map was checked (decision 0069) whose map holds 3.5
    in a forest cell of the parcel: the measurement refuses it in the account's words
    (decision 0076) instead of counting the cell as grassland (code 3)."""
    ts = tiny_store(tmp_path, draws=0)
    t = Tiny(ts.url, ts.account_id, ts.rasters["carbon_sequestration"], ts.manifest)
    engine = open_store(t.url)
    _parcel(engine, t, "P1")
    eco = stale_ecosystem_map(t.url, t.account_id, t.manifest, (0, 1), 3.5)
    with pytest.raises(InputError, match=r"3\.5 \(1 cells\), the first at row 0, column 1") as exc:
        sc.measure(engine, [rstore.get_parcel(engine, "P1")], "forest", 2022)
    assert eco.name in str(exc.value) and "请重新分类该栅格" in str(exc.value)


def test_a_wetland_project_on_forest_parcels_has_nothing_to_issue(tiny: Tiny) -> None:
    engine = open_store(tiny.url)
    _parcel(engine, tiny, "P1")
    owner = person(engine, "village-1", "village")
    _project(engine, owner, kind="wetland")
    with pytest.raises(InputError, match=r"0\.000 t CO2 of wetland .*nothing to issue"):
        _issue(engine)
    assert istore.ledger(engine) == []


def test_the_refusals_of_a_project(tiny: Tiny) -> None:
    engine = open_store(tiny.url)
    _parcel(engine, tiny, "P1")
    _parcel(engine, tiny, "P2", (2, 0, 3, 1))
    _parcel(engine, tiny, "P3", (3, 0, 4, 1))
    owner = person(engine, "village-1", "village")
    with pytest.raises(InputError, match="parcel NOPE is not in the asset register"):
        _project(engine, owner, parcels=["P1", "NOPE"])
    rstore.update_parcel(engine, "P3", {"status": "withdrawn"}, actor="t")
    with pytest.raises(InputError, match="parcel P3 was withdrawn"):
        _project(engine, owner, parcels=["P3"])
    _project(engine, owner, "S1", ["P1"], [2022, 2024])
    with pytest.raises(InputError, match="parcel P1 is already in sink project S1 for 2024"):
        _project(engine, owner, "S2", ["P2", "P1"], [2024])
    istore.add_exclusion(engine, "P2", "ccer", "CCER afforestation project X")
    with pytest.raises(InputError, match=r"parcel P2 is in a registered CCER project .*2024"):
        _project(engine, owner, "S2", ["P2"], [2024])
    with pytest.raises(InputError, match="not 'mangrove'"):
        _project(engine, owner, "S3", ["P1"], [2030], kind="mangrove")
    with pytest.raises(InputError, match="effective from 2020-01-01; vintage 2019"):
        _project(engine, owner, "S3", ["P1"], [2019])
    with pytest.raises(InputError, match="2030–2050 span 21 years, more than the crediting"):
        _project(engine, owner, "S3", ["P1"], [2030, 2050])
    # a forest-management claim on a parcel of a sink project, and the converse
    with pytest.raises(InputError, match="parcel of sink project S1 for 2024"):
        claim(engine, owner, "FM", asset="P1", start=date(2024, 1, 1), end=date(2024, 12, 31))
    claim(engine, owner, "FM", asset="P1", start=date(2025, 1, 1), end=date(2025, 12, 31))
    with pytest.raises(InputError, match=r"parcel P1 is claimed in 2025 by .*submission 1"):
        _project(engine, owner, "S4", ["P1"], [2025])
    assert [p.code for p in sstore.projects(engine)] == ["S1"]


def test_the_refusals_of_an_issuance(tiny: Tiny) -> None:
    engine = open_store(tiny.url)
    _parcel(engine, tiny, "P1")
    owner = person(engine, "village-1", "village")
    _project(engine, owner, vintages=[2022, 2023])
    with pytest.raises(InputError, match=r"2023 has a carbon-sequestration .*: 2022\)"):
        sc.issue(engine, "S1", 2023, issued_by="a", verified_by="b", reason="r")
    with pytest.raises(InputError, match="has no vintage 2025"):
        sc.issue(engine, "S1", 2025, issued_by="a", verified_by="b", reason="r")
    with pytest.raises(InputError, match="account 1 is of 2022, not of vintage 2023"):
        sc.issue(engine, "S1", 2023, issued_by="a", verified_by="b", reason="r", account_id=1)
    with pytest.raises(InputError, match=r"11000 kg CO2 is more than measured: 13\.200 t"):
        _issue(engine, quantity_t=11.0)
    with pytest.raises(InputError, match="cannot verify the issuance it makes"):
        sc.issue(engine, "S1", 2022, issued_by="a", verified_by="a", reason="r")
    # an exclusion recorded after the project stops its issuance
    istore.add_exclusion(engine, "P1", "inventory", "county inventory 2022 forest sink",
                         date(2022, 1, 1), date(2022, 12, 31))  # fmt: skip
    with pytest.raises(InputError, match="counted in an inventory's sink"):
        _issue(engine)
    assert istore.ledger(engine) == []


def test_one_issuance_per_project_and_vintage(tiny: Tiny) -> None:
    engine = open_store(tiny.url)
    _parcel(engine, tiny, "P1")
    owner = person(engine, "village-1", "village")
    _project(engine, owner)
    got = _issue(engine, quantity_t=5.0)
    assert got.credits == 5_000
    with pytest.raises(InputError, match="was issued for 2022 already"):
        _issue(engine, quantity_t=1.0)
    assert istore.balance(engine, owner) == 5_000
    p = sstore.project(engine, "S1")
    assert [(i.vintage, i.quantity_kg) for i in p.issuances] == [(2022, 5_000)]


OPS = st.lists(
    st.tuples(st.sampled_from(["transfer", "retire", "redeem"]), st.integers(1, 4000)),
    min_size=1,
    max_size=8,
)


@pytest.fixture(scope="module")
def issued_store(built: Tiny, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, int, int]:
    dst = tmp_path_factory.mktemp("prop") / "ganpo.sqlite"
    shutil.copy(Path(built.url.removeprefix("sqlite:///")), dst)
    engine = open_store(f"sqlite:///{dst}")
    t = Tiny(f"sqlite:///{dst}", built.account_id, built.carbon, built.manifest)
    _parcel(engine, t, "P1")
    owner = person(engine, "village-1", "village")
    buyer = person(engine, "firm-1", "firm")
    _project(engine, owner)
    _issue(engine)
    return engine, owner, buyer


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_sink_credits_move_in_the_one_ledger(
    issued_store: tuple[object, int, int], ops: list[tuple[str, int]]
) -> None:
    """Sink credits in the ledger: after every move, the owner's and the buyer's balances
    add up to what was issued less what was retired or redeemed, and the evidence view of
    the parcel (held + retired + redeemed) says the same."""
    engine, owner, buyer = issued_store
    for kind, q in ops:
        before = {w: istore.balance(engine, w) for w in (owner, buyer)}  # type: ignore[arg-type]
        try:
            if kind == "transfer":
                istore.transfer(engine, owner, buyer, q, "u")  # type: ignore[arg-type]
            elif kind == "retire":
                istore.retire(engine, buyer, "u", "offset", quantity=q)  # type: ignore[arg-type]
            else:
                istore.redeem(engine, owner, q, "u", "reward")  # type: ignore[arg-type]
        except InputError as exc:
            who = buyer if kind == "retire" else owner
            assert f"holds {before[who]} credits" in str(exc) and q > before[who]
        rows = istore.ledger(engine)  # type: ignore[arg-type]
        issued = sum(r.quantity for r in rows if r.kind == "issuance")
        gone = sum(r.quantity for r in rows if r.kind in ("retirement", "redemption"))
        held = istore.balance(engine, owner) + istore.balance(engine, buyer)  # type: ignore[arg-type]
        assert issued == 10_560 and held == issued - gone >= 0
        (credit,) = sstore.sink_credits_on(engine, ["P1"])  # type: ignore[arg-type]
        assert credit.held_kg == held
        assert credit.retired_kg + credit.redeemed_kg == gone


def test_the_evidence_pack_lists_the_sink_credits(tiny: Tiny, tmp_path: Path) -> None:
    engine = open_store(tiny.url)
    _parcel(engine, tiny, "P1")
    _parcel(engine, tiny, "P2", (2, 0, 3, 1))
    owner = person(engine, "village-1", "village")
    _project(engine, owner)
    _issue(engine)
    istore.retire(engine, owner, "registrar", "offset", quantity=560)
    ev = build_evidence(engine, "P1", tiny.account_id)
    (row,) = ev.sink_credits
    assert row["serials"] == "CI-FWS-V1-2022-360101-000000000001–000000010560"
    assert (row["vintage"], row["quantity_t_co2"], row["held_t_co2"], row["retired_t_co2"]) == (
        2022, 10.56, 10.0, 0.56,
    )  # fmt: skip
    assert build_evidence(engine, "P2", tiny.account_id).sink_credits == []
    pdf, js = write_evidence(ev, tmp_path)
    assert pdf.stat().st_size > 0
    assert "CI-FWS-V1-2022" in js.read_text("utf-8")


def test_concurrent_issuances_of_one_project_vintage_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    """Two issuances of the same project and vintage from two connections at once: exactly
    one succeeds, the other is refused, and the ledger holds one block."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    ts = tiny_store(tmp_path, url, draws=0)
    engine = open_store(url)
    t = Tiny(url, ts.account_id, ts.rasters["carbon_sequestration"], ts.manifest)
    _parcel(engine, t, "P1")
    owner = person(engine, "village-1", "village")
    _project(engine, owner)
    barrier = threading.Barrier(2)
    done: list[int] = []
    refused: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            done.append(_issue(engine).credits)
        except GanpoError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert done == [10_560] and len(refused) == 1
    assert "issued for 2022 already" in refused[0] or "at the same moment" in refused[0]
    assert [r.kind for r in istore.ledger(engine)] == ["issuance"]
    assert istore.balance(engine, owner) == 10_560
    engine.dispose()


def test_credits_rounding_is_floor_of_kilograms() -> None:
    m = sc.sink_methodology()
    assert m.buffer_share == 0.2 and m.buffer_status == "choice"
    assert m.credits(0.0012) == 0  # 0.96 kg
    assert m.credits(1.0) == 800
    assert m.credits(-3.0) == 0  # a net source issues nothing
