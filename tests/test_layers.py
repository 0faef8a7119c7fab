"""Imports only point down the layers of DESIGN.md (cli, web, api → apply, submissions,
report → engine/store → services → catalog/io); services import no I/O; the three entry
points, cli, web and the Python API, never import each other (an import inside a function
counts too). The package itself (``ganpo/__init__.py``) names the API's functions, loaded
on first use (PEP 562), and nothing else above it."""

from __future__ import annotations

import ast
from pathlib import Path

import ganpo

RANK = {
    "errors": 0,
    "catalog": 1,
    "io": 1,
    "demo": 1,
    "services": 2,
    "engine": 3,
    "store": 3,
    "report": 4,
    "apply": 4,
    "carbon": 4,
    "tracking": 4,
    "zoning": 4,
    "footprint": 4,
    "landuse": 4,
    "submissions": 4,
    "cli": 5,
    "web": 5,
    "api": 5,
    "__init__": 0,
    "__main__": 5,
}
FORBIDDEN = {
    ("services", "io"),
    ("catalog", "io"),
    ("io", "demo"),
    ("cli", "web"),
    ("web", "cli"),
    ("cli", "api"),
    ("web", "api"),
    ("api", "cli"),
    ("api", "web"),
}
#: imports up the layers that are allowed: ``ganpo.__getattr__`` loads the Python API
ALLOWED = {("__init__", "api")}
ROOT = Path(ganpo.__file__).parent


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_imports_point_down() -> None:
    bad = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        here = _layer(".".join(rel.parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.split(".")[0] != "ganpo" or name == "ganpo":
                    continue
                there = _layer(name)
                if (here, there) in ALLOWED:
                    continue
                if RANK[there] > RANK[here] or (here, there) in FORBIDDEN:
                    bad.append(f"{rel}: imports {name} ({here} → {there})")
    assert not bad, "\n".join(bad)


def test_every_package_has_a_rank() -> None:
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in ROOT.glob("*.py")}
    assert packages | modules <= set(RANK), (packages | modules) - set(RANK)
