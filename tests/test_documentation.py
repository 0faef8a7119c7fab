"""The project's own documentation: docs/methods.md exists and is current with the data it
quotes, and nothing in the repository cites the methods digest that lives outside it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ganpo.catalog.conformance import method_records
from ganpo.report.methods_doc import BLOCK, stale

ROOT = Path(__file__).parents[1]
METHODS_DOC = ROOT / "docs" / "methods.md"
#: the name of the digest kept outside the repository (built so this file does not hold it)
DIGEST = "METHODS" + ".md"
#: what would cite a file outside the repository: the digest, the notes and shared folders
OUTSIDE = (DIGEST, "/work/" + "notes", "/work/" + "shared")
SKIP = {".git", ".venv", "node_modules", "vendor", "__pycache__", ".mypy_cache", ".ruff_cache"}
TEXT = {".py", ".toml", ".md", ".csv", ".html", ".js", ".txt", ".cfg", ".ini", ".yml", ".yaml"}


def _repository_files() -> list[Path]:
    try:  # the files git knows, tracked or new (a built or ignored file is not the project's)
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        files = [ROOT / line for line in out.splitlines() if line]
    except (OSError, subprocess.CalledProcessError):
        files = [p for p in ROOT.rglob("*") if p.is_file()]
    return [
        p
        for p in files
        if p.is_file() and p.suffix in TEXT and not SKIP & set(p.relative_to(ROOT).parts)
    ]


def test_nothing_cites_the_digest_outside_the_repository() -> None:
    found = []
    for path in _repository_files():
        for number, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
        ):
            if any(mark in line for mark in OUTSIDE):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert len(_repository_files()) > 100  # the walk found the project
    assert not found, "cite docs/methods.md or the source itself:\n" + "\n".join(found)


def test_methods_document_is_current() -> None:
    assert METHODS_DOC.is_file()
    assert not stale(METHODS_DOC), (
        "docs/methods.md is out of date: run `PYTHONPATH=src python scripts/update_methods_doc.py`"
    )


def test_methods_document_covers_every_method_of_the_shipped_profiles() -> None:
    parts = {m.group("name") for m in BLOCK.finditer(METHODS_DOC.read_text(encoding="utf-8"))}
    # a method shared by several indicators (the four product groups) appears once
    wanted = {f"method:{r.indicators[0]}.{r.method}" for r in method_records().values()}
    assert not wanted - parts, sorted(wanted - parts)
    for part in ("parameters", "prices", "overlaps", "method-tables", "unverified", "searches"):
        assert part in parts


@pytest.mark.parametrize(
    "heading",
    [
        "## 4. Prices / 价格",
        "## 5. Double counting / 重复计算",
        "## 6. Uncertainty / 不确定性",
        "## 7. Volume: comparing years / 物量（不变价）比较",
        "## 10. What stays unverified / 未核实事项",
    ],
)
def test_methods_document_has_the_sections_issue_12_asks_for(heading: str) -> None:
    assert heading in METHODS_DOC.read_text(encoding="utf-8")
