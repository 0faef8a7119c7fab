"""``/api/footprints``: the platform's product carbon footprint studies — the list marks the
SYNTHETIC demonstrations; a study's figures (total, stages, processes, biogenic CO₂, Monte
Carlo) equal :func:`ganpo.footprint.lca.footprint`'s for the same file exactly; labels follow
``lang``; the report and the label are PDFs carrying the figure, the PACT JSON carries it
per kg; every logged-in role reads, an anonymous caller does not; an unknown study is 404."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from ganpo.footprint.lca import footprint
from ganpo.footprint.model import read_product_system
from ganpo.footprint.studies import PLATFORM_DRAWS, PLATFORM_SEED, study_path

Clients = Callable[[str], TestClient]


def _pdf_text(content: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
    return out.stdout.decode()


def test_the_list_marks_synthetic_studies(shared_client_as: Clients) -> None:
    r = shared_client_as("wuyuan").get("/api/footprints?lang=en")
    assert r.status_code == 200, r.text
    studies = r.json()
    assert [s["id"] for s in studies] == ["copper-cathode", "rare-earth-oxide", "navel-orange"]
    assert all(s["synthetic"] and "SYNTHETIC" in s["synthetic_note"] for s in studies)
    orange = studies[2]
    assert orange["boundary"] == "cradle to gate" and orange["functional_unit"] == "1 t"
    assert ".toml" not in r.text  # no file names for people
    zh = shared_client_as("wuyuan").get("/api/footprints").json()
    assert zh[2]["boundary"] == "从摇篮到大门" and zh[2]["synthetic_note"].startswith("合成数据")


def test_a_study_equals_the_engine(shared_client_as: Clients) -> None:
    system = read_product_system(study_path("navel-orange"))
    expected = footprint(system, draws=PLATFORM_DRAWS, seed=PLATFORM_SEED)
    r = shared_client_as("forestry").get("/api/footprints/navel-orange?lang=en")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["total_kg"] == expected.total_kg
    assert got["biogenic_co2_kg"] == expected.biogenic_co2_kg != 0.0
    assert got["unit"] == "kg CO₂e/1 t"
    assert [(x["key"], x["kg"]) for x in got["by_stage"]] == [
        (x["stage"], x["kg"]) for x in expected.by_stage
    ]
    assert [(p["key"], p["kg"], p["allocation_share"]) for p in got["by_process"]] == [
        (p["key"], p["kg"], p["allocation_share"]) for p in expected.by_process
    ]
    assert any(p["allocation_share"] < 1 for p in got["by_process"])  # economic allocation
    assert got["allocation"] == "economic" and "economic value" in got["allocation_text"]
    mc, exp_mc = got["monte_carlo"], expected.monte_carlo
    assert exp_mc is not None
    assert (mc["draws"], mc["seed"]) == (1000, 20240101)
    assert (mc["mean_kg"], mc["p2_5_kg"], mc["p97_5_kg"]) == (
        exp_mc["mean_kg"],
        exp_mc["p2_5_kg"],
        exp_mc["p97_5_kg"],
    )
    assert mc["p2_5_kg"] < got["total_kg"] < mc["p97_5_kg"]
    zh = shared_client_as("forestry").get("/api/footprints/navel-orange").json()
    assert zh["by_stage"][0]["label"] == "原材料获取" and zh["total_kg"] == expected.total_kg


def test_roles_and_unknown_study(shared_client_as: Clients, anonymous: TestClient) -> None:
    for user in ("admin", "office", "reviewer", "forestry", "wuyuan", "auditor"):
        assert shared_client_as(user).get("/api/footprints").status_code == 200, user
    assert anonymous.get("/api/footprints").status_code == 401
    assert anonymous.get("/api/footprints/copper-cathode/pact").status_code == 401
    r = shared_client_as("admin").get("/api/footprints/steel")
    assert r.status_code == 404 and "copper-cathode" in r.text


def test_pact_carries_the_figure_per_kg(shared_client_as: Clients) -> None:
    expected = footprint(read_product_system(study_path("copper-cathode")))
    r = shared_client_as("office").get("/api/footprints/copper-cathode/pact")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    pcf = json.loads(r.content)["pcf"]
    assert pcf["declaredUnit"] == "kilogram"
    assert float(pcf["pCfExcludingBiogenic"]) == pytest.approx(expected.total_kg / 1000, abs=1e-6)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_report_and_label_are_pdfs_with_the_figure(shared_client_as: Clients) -> None:
    client = shared_client_as("reviewer")
    total = client.get("/api/footprints/copper-cathode").json()["total_kg"]
    shown = f"{total:,.2f}"
    r = client.get("/api/footprints/copper-cathode/report?lang=en")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    text = _pdf_text(r.content)
    assert shown in text and "Monte Carlo" in text and "Synthetic" in text
    label = client.get("/api/footprints/copper-cathode/label")
    assert label.status_code == 200 and label.content.startswith(b"%PDF")
    assert shown in _pdf_text(label.content)


def test_an_uploaded_study_is_computed_or_refused_with_its_problem(
    shared_client_as: Clients,
) -> None:
    path = study_path("navel-orange")
    expected = footprint(read_product_system(path), draws=PLATFORM_DRAWS, seed=PLATFORM_SEED)
    text = path.read_text(encoding="utf-8")
    office = shared_client_as("office")

    def send(body: str, name: str = "orchard.toml") -> httpx.Response:
        return office.post("/api/footprints/compute?lang=en", files={"file": (name, body)})

    r = send(text)
    assert r.status_code == 200, r.text
    assert r.json()["total_kg"] == expected.total_kg and r.json()["id"] == ""
    assert r.json()["monte_carlo"]["p97_5_kg"] == expected.monte_carlo["p97_5_kg"]  # type: ignore[index]
    # a unit that does not convert: the CLI's message, naming the uploaded file's name
    r = send(text.replace('unit = "kWh"', 'unit = "t"', 1))
    assert r.status_code == 422 and "'t' cannot be converted to 'kWh'" in r.text
    assert "orchard.toml" in r.text
    r = send(text.replace("gwp = ", "gwp_x = ", 1), "bad name.toml")
    assert r.status_code == 422 and "bad name.toml" in r.text and "gwp" in r.text
    # the packing house (the last process) takes back more packed fruit than it makes
    head, tail = text.rsplit("inputs = [\n", 1)
    loop = head + 'inputs = [\n  { product = "packed_navel_orange", amount = 1.0, unit = "t" },\n'
    loop += tail
    r = send(loop)
    assert r.status_code == 422 and "does not converge" in r.text, r.text
    assert (
        office.post("/api/footprints/compute", files={"file": ("x.toml", b"\xff")}).status_code
        == 422
    )
    assert (
        shared_client_as("wuyuan")
        .post("/api/footprints/compute", files={"file": ("a.toml", text)})
        .status_code
        == 403
    )
