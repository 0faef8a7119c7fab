"""``GET /api/profiles`` and ``GET /api/profiles/{name}/methods``: the method table for
every signed-in user, in Chinese or English (the deviations too), never a profile read from a
path."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from ganpo.catalog.profiles import load_profile


def test_a_county_viewer_reads_the_method_table(
    shared_client_as: Callable[[str], TestClient],
) -> None:
    client = shared_client_as("wuyuan")
    listed = client.get("/api/profiles")
    assert listed.status_code == 200
    assert {p["name"] for p in listed.json()} == {
        "gbt-46869-2025",
        "jiangxi-db36-2021",
        "national-2022",
    }
    assert not any(p["verified"] for p in listed.json())
    r = client.get("/api/profiles/jiangxi-db36-2021/methods")
    assert r.status_code == 200, r.text
    body = r.json()
    profile = load_profile("jiangxi-db36-2021")
    assert [row["indicator"] for row in body["rows"]] == [*profile.indicators, *profile.physical]
    assert body["language"] == "zh" and "DB36/T 1402-2021" in body["basis"]
    assert "本口径不以其为依据" in body["basis"]
    water = next(row for row in body["rows"] if row["indicator"] == "water_conservation")
    assert water["indicator_name"] == "水源涵养" and water["text_unobtainable"] is True
    assert water["basis"].startswith("标准文本未能获取 → 依据 白玛卓嘎等 2017 §2.4.1")
    assert water["parameters"][1] == {
        "name": "水库单位库容造价",
        "value": "7.06 元/m³",
        "year": 2010,
        "status": "verified",
        "status_name": "已核实",
        "index": "居民消费价格指数（CPI）",
    }
    assert {
        "what": "参数集中没有径流系数的生态系统类型不计水源涵养量，农田（水田和旱地）即属此类",
        "why": "龚诗涵等 2017 表2 中没有农田一行，也未能获取水田或旱地径流系数的其他来源",
    } in water["deviations"]
    assert not any("cropland" in d["what"] for d in water["deviations"])
    assert body["rows"][-1]["physical"] is True


def test_english_and_refusals(
    shared_client_as: Callable[[str], TestClient], anonymous: TestClient
) -> None:
    client = shared_client_as("forestry")  # a department reporter reads it too
    r = client.get("/api/profiles/national-2022/methods", params={"lang": "en"})
    assert r.status_code == 200
    rows = r.json()["rows"]
    assert rows[0]["indicator_name"] == "agricultural products"
    assert rows[0]["basis"].startswith("text unobtainable → follows ")
    assert all(row["status"] != "standard" for row in rows)
    water = next(row for row in rows if row["indicator"] == "water_conservation")
    assert {
        "what": "ecosystem types without a coefficient in the parameter set conserve no water; "
        "cropland (paddy and dry land) is one of them",
        "why": "龚诗涵 et al. 2017's Table 2 has no cropland row and no other source of a paddy "
        "or dry-land coefficient could be read",
    } in water["deviations"]
    assert not any("农田" in d["what"] for d in water["deviations"])
    # only the shipped profiles: no file path, no unknown name
    assert client.get("/api/profiles/nope/methods").status_code == 404
    assert client.get("/api/profiles/..%2Fsecret.toml/methods").status_code == 404
    assert client.get("/api/profiles/national-2022/methods?lang=fr").status_code == 422
    assert anonymous.get("/api/profiles/national-2022/methods").status_code == 401
