"""Rewrite the generated parts of docs/methods.md from the catalogue's data.

    PYTHONPATH=src python scripts/update_methods_doc.py

tests/test_documentation.py fails when a generated part is out of date."""

from __future__ import annotations

import sys
from pathlib import Path

from ganpo.report.methods_doc import update

DOC = Path(__file__).resolve().parents[1] / "docs" / "methods.md"

if __name__ == "__main__":
    changed = update(DOC)
    print(f"{DOC}: " + (f"updated {', '.join(changed)}" if changed else "up to date"))
    sys.exit(0)
