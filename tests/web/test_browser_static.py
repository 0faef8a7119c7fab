"""The web UI's files without a browser: every text has Chinese and English, nothing is
loaded from outside the app (no CDN, no tile server), and the vendor assets are built."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import ganpo.web

STATIC = Path(ganpo.web.__file__).parent / "static"
UI_FILES = [p for p in STATIC.rglob("*") if p.is_file() and "vendor" not in p.parts]
FRONTEND = Path(ganpo.web.__file__).parent / "frontend"


def _dictionaries() -> dict[str, set[str]]:
    text = (STATIC / "i18n.js").read_text(encoding="utf-8")
    blocks = re.split(r"\n  (zh|en): \{\n", text)
    # ["prefix", "zh", "<zh block>", "en", "<en block>"]
    found = {blocks[i]: blocks[i + 1].split("\n  },")[0] for i in (1, 3)}
    return {lang: set(re.findall(r'^    "([^"]+)":', body, re.M)) for lang, body in found.items()}


def test_every_text_key_exists_in_chinese_and_english() -> None:
    keys = _dictionaries()
    assert len(keys["zh"]) > 50
    assert keys["zh"] == keys["en"], keys["zh"] ^ keys["en"]
    used: dict[str, str] = {}
    for path in STATIC.rglob("*.js"):
        if "vendor" in path.parts:
            continue
        for key in re.findall(r'\bt\(\s*"([^"]+)"', path.read_text(encoding="utf-8")):
            used[key] = path.name
    missing = {k: f for k, f in used.items() if k not in keys["zh"]}
    assert not missing, f"text keys used but not translated: {missing}"


# keys the UI builds at run time (t(`state.${state}`)): every value the API can answer
DYNAMIC = {
    "nav": [
        "map",
        "accounts",
        "methods",
        "carbon",
        "inclusive",
        "footprints",
        "tracking",
        "zoning",
        "landuse",
        "reporting",
        "review",
        "users",
        "audit",
        "audit-packs",
    ],
    "role": ["admin", "office", "reporter", "reviewer", "viewer", "auditor"],
    "tracking.method": ["required_growth", "linear"],
    "job": ["queued", "running", "done", "failed"],
    "state": ["none", "draft", "submitted", "returned", "approved", "superseded"],
    "action": ["upload", "submit", "return", "approve", "adopt_base", "explain"],
    "flag": ["soft_range", "fluctuation", "logic"],
    "review.done": ["approve", "return"],
    "metric": ["gep_cny", "gep_per_km2", "material_cny", "regulating_cny", "cultural_cny"],
    "category": ["material", "regulating", "cultural"],
    "level": ["province", "city", "county", "township", "village", "unit"],
    "inclusive.factor": ["verified", "unverified", "synthetic"],
    "inclusive.kind": ["issuance", "transfer", "redemption", "retirement"],
    "inclusive.claim": ["submitted", "approved"],
}


def test_texts_built_at_run_time_exist() -> None:
    from ganpo.catalog.departments import departments
    from ganpo.store.reporting import STATE_NAMES, TRANSITIONS

    keys = _dictionaries()["zh"]
    wanted = {f"{prefix}.{v}" for prefix, values in DYNAMIC.items() for v in values}
    wanted |= {f"dept.{d}" for d in departments()}
    wanted |= {f"state.{s}" for s in STATE_NAMES} | {f"action.{a}" for a in TRANSITIONS}
    assert not wanted - keys, sorted(wanted - keys)


def test_ui_loads_nothing_from_outside_the_app() -> None:
    assert UI_FILES, f"no UI files in {STATIC}"
    for path in UI_FILES:
        text = path.read_text(encoding="utf-8")
        urls = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[/\w.-]*", text, re.I)
        assert not urls, f"{path.name} refers to outside addresses: {urls}"


def test_frontend_packages_are_pinned() -> None:
    package = json.loads((FRONTEND / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((FRONTEND / "package-lock.json").read_text(encoding="utf-8"))
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} {version} is not exact"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_vendor_assets_are_built_from_the_lock_file() -> None:
    vendor = STATIC / "vendor"
    if not (vendor / "echarts" / "echarts.esm.min.js").exists():
        pytest.fail("UI assets are not built: run `bash scripts/build-frontend.sh` (make setup)")
    versions = json.loads((vendor / "versions.json").read_text(encoding="utf-8"))
    package = json.loads((FRONTEND / "package.json").read_text(encoding="utf-8"))
    assert versions["echarts"] == package["dependencies"]["echarts"]
    head = (vendor / "echarts" / "echarts.esm.min.js").read_text(encoding="utf-8")[-4000:]
    assert "registerMap" in head and "export{" in head.replace(" ", "")


def test_missing_browser_fails_when_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under GANPO_REQUIRE_BROWSER=1 (make unit) a missing Chromium fails the browser tests;
    otherwise they are skipped with the install command."""
    from test_browser_workflow import require_chromium

    missing = tmp_path / "no-chromium"
    monkeypatch.setenv("GANPO_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match=r"system-deps\.sh"):
        require_chromium(missing)
    monkeypatch.delenv("GANPO_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        require_chromium(missing)
    present = tmp_path / "chromium"
    present.write_text("")
    require_chromium(present)  # neither


def test_ui_code_is_formatted() -> None:
    """The UI's JavaScript, CSS and HTML follow Prettier (pinned in package.json)."""
    import os
    import shutil
    import subprocess

    prettier = FRONTEND / "node_modules" / "prettier" / "bin" / "prettier.cjs"
    node = shutil.which("node")
    if node is None or not prettier.exists():
        why = "Prettier is not installed: run `bash scripts/build-frontend.sh` (npm ci)"
        if os.environ.get("GANPO_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    files = [str(p) for p in UI_FILES if p.suffix in {".js", ".css", ".html"}]
    run = subprocess.run(
        [node, str(prettier), "--check", *files],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, f"run `npm run format` in {FRONTEND}:\n{run.stdout}{run.stderr}"
