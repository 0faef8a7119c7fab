"""A SYNTHETIC demonstration of sink credits on register parcels (decision 0052), on the
store of ``ganpo demo``: three synthetic parcels in Wuyuan county
(``catalog/data/carbon/inclusive/sinks/wuyuan-sink-parcels-synthetic.geojson``, apart from
the credit examples' parcels) are deposited in the asset register (if not there yet), a
forest sink project of a village participant is set up on two of them for the newest demo
year, its net sequestration is measured from that year's GEP account and issued into the
carbon-inclusive ledger; a project on the third parcel, recorded as a CCER project's, is
refused as a double count. Every parcel, participant and figure is SYNTHETIC; the
pseudonym key is the public demonstration key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from ganpo.apply.register import deposit_features
from ganpo.carbon import inclusive as ci
from ganpo.carbon import sink_credits as sc
from ganpo.carbon.inclusive_demo import DEMO_KEY, REGISTRAR, REVIEWER
from ganpo.carbon.sinks_account import GEP_INDICATOR
from ganpo.errors import InputError
from ganpo.store import inclusive as store
from ganpo.store import inclusive_sinks as sink_store
from ganpo.store import register as register_store
from ganpo.store.lifecycle import preferred_account
from ganpo.store.models import CURRENT_STATUSES
from ganpo.store.repository import list_accounts, load_account

PROJECT = "SINK-WY-DEMO"
PARCELS = ["SK-WY-001", "SK-WY-002"]
CCER_PARCEL = "SK-WY-003"
PARCEL_FILE = sc.SINK_METHODOLOGY_DIR / "wuyuan-sink-parcels-synthetic.geojson"
VILLAGE = "demo-village-1"  # the identity of the carbon-inclusive demo's village


@dataclass(frozen=True)
class SinkDemoResult:
    """What the demonstration did."""

    account_id: int
    vintage: int
    owner: int
    issued: sc.Issued
    refused: str


def _newest_account_with_carbon(engine: Engine) -> int:
    accounts = [
        a
        for a in list_accounts(engine)
        if a.status in CURRENT_STATUSES
        and GEP_INDICATOR in set(load_account(engine, a.id).rasters["indicator"])
    ]
    if not accounts:
        raise InputError(
            en="the store has no GEP account with a carbon-sequestration raster: run `ganpo demo` "
            "first",
            zh="库中没有带固碳栅格的 GEP 核算，请先运行 ganpo demo",
            field="database",
        )
    year = max(int(a.year) for a in accounts)
    chosen = preferred_account(a for a in accounts if int(a.year) == year)
    assert chosen is not None
    return int(chosen.id)


def run_sink_demo(engine: Engine) -> SinkDemoResult:
    """Run the demonstration (once per store: a second run is refused)."""
    if any(p.code == PROJECT for p in sink_store.projects(engine)):
        raise InputError(
            en=f"the sink demonstration ran on this store already (project {PROJECT}); list it "
            "with `ganpo carbon inclusive sink list`",
            zh="碳汇示范已在本库运行过",
            field="database",
        )
    account_id = _newest_account_with_carbon(engine)
    vintage = int(load_account(engine, account_id).account.year)
    known = {p.code for p in register_store.list_parcels(engine)}
    if not {*PARCELS, CCER_PARCEL} <= known:
        deposit_features(
            engine,
            account_id,
            PARCEL_FILE,
            actor=REGISTRAR,
        )
    pseudonym = ci.pseudonym(VILLAGE, DEMO_KEY)
    owner = next((p.id for p in store.participants(engine) if p.pseudonym == pseudonym), None)
    if owner is None:
        owner = store.register_participant(
            engine,
            pseudonym,
            "village",
            361130,  # 婺源县
            "parcels' register records and the GEP account, for sink credits (SYNTHETIC)",
        )
    store.add_exclusion(
        engine, CCER_PARCEL, "ccer", "SYNTHETIC CCER afforestation project (sink demo)"
    )
    try:
        sc.add_project(
            engine,
            code=f"{PROJECT}-CCER",
            name="示范重复计入项目（合成）SYNTHETIC double count",
            kind="forest",
            owner_participant=owner,
            parcels=[CCER_PARCEL],
            vintages=[vintage],
            created_by=REGISTRAR,
        )
        refused = ""
    except InputError as exc:
        refused = str(exc)
    sc.add_project(
        engine,
        code=PROJECT,
        name="婺源县示范森林碳汇项目（合成）SYNTHETIC forest sink",
        kind="forest",
        owner_participant=owner,
        parcels=PARCELS,
        vintages=[vintage],
        created_by=REGISTRAR,
    )
    issued = sc.issue(
        engine,
        PROJECT,
        vintage,
        issued_by=REGISTRAR,
        verified_by=REVIEWER,
        reason=f"measured from GEP account {account_id} (SYNTHETIC verification)",
        account_id=account_id,
    )
    return SinkDemoResult(account_id, vintage, owner, issued, refused)


__all__ = ["PROJECT", "SinkDemoResult", "run_sink_demo"]
