"""README.md and the commands agree: every command line the README shows runs on the demo.

- The ``make`` lines run by the commands their recipe calls (``make -n``): ``make demo``
  builds the demo here at a coarse resolution (``RESOLUTION=5000``); ``make test`` must call
  ruff, mypy and pytest (it is what runs this test, so it is not run again).
- Every ``ganpo`` line of the README's ``bash`` blocks runs as written, in a folder where the
  demo was built (``data/demo-250m`` read as the coarse demo's folder, as the README says
  for another resolution), and must exit 0; ``ganpo serve --demo`` is started, its health
  checked over HTTP, then stopped.
- Every command printed by ``ganpo apply examples`` runs as printed and exits 0.
- Every line of the README's command synopsis names commands that exist with the options
  it names; each is run above or listed in :data:`NOT_RUN` with the test that runs it.
- Every listing the README says takes ``--format`` prints JSON records with it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from ganpo.cli.main import app
from servers import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
RESOLUTION = 5000  # metres: the demo in seconds
runner = CliRunner()

#: synopsis commands that no README or example line runs, and where they are tested
NOT_RUN = {
    ("account", "run"): "the demo runs the accounts; tests/cli/test_cli.py runs it on data",
    ("account", "publish"): "changes the records: tests/cli/test_cli_records.py",
    ("account", "withdraw"): "changes the records: tests/cli/test_cli_records.py",
    ("account", "supersede"): "changes the records: tests/cli/test_cli_records.py",
    ("account", "delete"): "changes the records: tests/cli/test_cli_records.py",
    ("db", "upgrade"): "tests/store (migrations on SQLite and PostgreSQL)",
    ("params", "diff"): "tests/cli/test_cli.py",
    ("apply", "rules", "store"): "tests/cli/test_cli_apply.py",
    ("report-forms", "check"): "tests/cli/test_cli_report_forms.py",
    ("apply", "damage-cases", "pay"): "changes the records: tests/cli/test_cli_cases.py",
    ("tracking", "series", "reported"): "needs approved monitoring forms: "
    "tests/submissions/test_tracking_reporting.py",
    ("carbon", "run"): "`carbon demo` runs it on its data; tests/cli/test_cli_carbon.py",
    ("carbon", "publish"): "changes the records: tests/cli/test_cli_carbon.py",
    ("carbon", "progress"): "its targets file is named by `carbon demo`: "
    "tests/cli/test_cli_carbon_progress.py",
    ("tracking", "series", "history"): "tests/cli/test_cli_tracking_series.py",
    ("tracking", "reports"): "lists issued reports: tests/cli/test_cli_tracking_series.py",
    ("zoning", "validate"): "`zoning demo` validates what it writes; tests/zoning/test_zoning.py",
    ("zoning", "import"): "needs a province's published files: tests/zoning/test_importer.py",
    ("zoning", "diff"): "needs two imported versions: tests/zoning/test_importer.py",
    ("carbon", "project-check"): "its targets file is named by `carbon demo`: "
    "tests/cli/test_cli_carbon_progress.py",
    ("carbon", "run-reported"): "needs reports approved on the platform: "
    "tests/submissions/test_carbon_reporting.py",
    ("landuse", "demo"): "tests/landuse/test_run.py",
    ("landuse", "simulate"): "needs the land-use demo: tests/landuse/test_run.py",
    ("landuse", "validate"): "needs a simulated map: tests/landuse/test_run.py",
    ("landuse", "gep"): "runs two accounts: tests/landuse/test_gep.py",
    ("landuse", "clip"): "needs the land-use demo: tests/landuse/test_region.py",
    ("carbon", "inclusive", "methodologies"): "tests/cli/test_cli_carbon_inclusive.py",
    ("carbon", "inclusive", "balance"): "tests/cli/test_cli_carbon_inclusive.py",
    ("carbon", "inclusive", "retire"): "changes the ledger: tests/cli/test_cli_carbon_inclusive.py",
    ("carbon", "inclusive", "exclude"): "tests/cli/test_cli_carbon_inclusive.py",
    ("carbon", "inclusive", "sink", "add"): "needs register parcels and a participant: "
    "tests/cli/test_cli_sink_credits.py (`sink demo` adds its project)",
    ("carbon", "inclusive", "sink", "issue"): "changes the ledger: "
    "tests/cli/test_cli_sink_credits.py (`sink demo` issues its project)",
    ("apply", "reserve", "acquire"): "changes the ledger: tests/cli/test_cli_reserve.py",
    ("apply", "reserve", "package"): "tests/cli/test_cli_reserve.py",
    ("apply", "reserve", "sell"): "changes the ledger: tests/cli/test_cli_reserve.py",
    ("apply", "reserve", "lease"): "changes the ledger: tests/cli/test_cli_reserve.py",
    ("apply", "reserve", "return"): "changes the ledger: tests/cli/test_cli_reserve.py",
    ("apply", "reserve", "list"): "tests/cli/test_cli_reserve.py",
    ("apply", "rating", "import"): "needs approved record forms: tests/apply/test_rating_flow.py",
    ("apply", "rating", "grade"): "the demo grades: tests/apply/test_rating_flow.py",
    ("apply", "rating", "appeal"): "changes the records: tests/cli/test_cli_rating.py",
    ("apply", "rating", "decide"): "changes the records: tests/cli/test_cli_rating.py",
    ("apply", "rating", "report"): "the demo writes the reports: tests/cli/test_cli_rating.py",
}


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def _lines(language: str) -> list[str]:
    """The command lines of the README's blocks in ``language``, without comments."""
    out = []
    for block in _blocks(language):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                out.append(line)
    return out


def _ganpo_args(line: str, folder: str) -> list[str]:
    """A README line ``.venv/bin/ganpo …`` (or ``ganpo …``) as the arguments of ganpo."""
    words = shlex.split(line.replace("demo-250m", folder))
    assert Path(words[0]).name == "ganpo", f"README line does not call ganpo: {line}"
    return words[1:]


def _run(args: list[str]) -> str:
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, (
        f"`ganpo {shlex.join(args)}` exited {result.exit_code}:\n" + (result.output[-3000:])
    )
    return result.output


def _make_calls(target: str, *variables: str) -> list[str]:
    """The commands ``make TARGET`` calls (``make -n``: printed, not run)."""
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", target, *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder where the README's `make demo` ran (at RESOLUTION): the demo data, the store
    with accounts 1 (2022) and 2 (2023), and the demo's outputs."""
    folder = tmp_path_factory.mktemp("readme")
    calls = [c for c in _make_calls("demo", f"RESOLUTION={RESOLUTION}") if "ganpo demo" in c]
    assert calls == [f"{Path('.venv/bin/ganpo')} demo --resolution {RESOLUTION}"], calls
    # the recipe's command, with this interpreter's ganpo (the venv's, under make test)
    args = shlex.split(calls[0])[1:]
    done = subprocess.run(
        [sys.executable, "-m", "ganpo", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "GEP" in done.stdout and (folder / "out" / "demo" / "gep_report_2023.pdf").is_file()
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(cwd)


def test_make_lines_call_what_the_readme_says() -> None:
    first = _blocks("bash")[0]
    assert "make demo" in first and "make test" in first  # the README starts with the two
    test = "\n".join(_make_calls("test"))
    for tool in ("ruff check src tests benchmarks", "mypy", "pytest"):
        assert tool in test, f"make test does not call {tool}"
    assert "ganpo demo --resolution 250" in "\n".join(_make_calls("demo"))
    from ganpo.cli.serve import MAKE_DEMO_RESOLUTION_M

    assert f"RESOLUTION ?= {MAKE_DEMO_RESOLUTION_M:g}" in (ROOT / "Makefile").read_text()


def _readme_ganpo_lines() -> list[str]:
    lines = [ln for ln in _lines("bash") if not ln.startswith("make ")]
    assert len(lines) >= 15, "the README's try-it block is missing"
    return lines


def test_every_readme_command_runs(home: Path) -> None:
    """Each ganpo line of the README's bash blocks, as written (serve: next test)."""
    folder = f"demo-{RESOLUTION}m"
    ran = []
    for line in _readme_ganpo_lines():
        args = _ganpo_args(line, folder)
        if args[0] == "serve":
            continue
        output = _run(args)
        ran.append(args)
        assert "Traceback" not in output
    # what the lines produce is there
    assert (home / "out" / "report" / "gep_report_2023.pdf").stat().st_size > 10_000
    assert (home / "out" / "report" / "gep_report_2023.xlsx").is_file()
    assert (home / "out" / "seea_2022_2023.xlsx").is_file()
    assert (home / "out" / "tourism_2023.xlsx").is_file()
    assert any((home / "out" / "export").glob("*.xlsx"))
    assert len(ran) >= 15


def test_serve_demo_starts_answers_and_stops(home: Path) -> None:
    """`ganpo serve --demo` as the README shows it: on the demo the README built, it starts,
    /api/health answers, and it stops on Ctrl-C (SIGINT) with exit code 0."""
    (line,) = [ln for ln in _readme_ganpo_lines() if " serve" in ln]
    port = free_port()
    args = [*_ganpo_args(line, f"demo-{RESOLUTION}m"), "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "ganpo", *args],
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = None
        for _ in range(600):  # up to 5 minutes on a loaded machine; no timing asserted
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as r:
                    health = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.5)
        assert health is not None, "no answer from /api/health: " + (
            proc.stdout.read() if proc.poll() is not None and proc.stdout else "still starting"
        )
        assert health.get("status") == "ok", health
        # --demo used the demo the README built, not another resolution
        assert not (home / "data" / "demo-1000m").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0, proc.stdout.read() if proc.stdout else code


def test_every_example_command_runs(home: Path) -> None:
    """`ganpo apply examples` prints commands; each runs as printed on the demo."""
    table = _run(["apply", "examples"])
    records = json.loads(_run(["apply", "examples", "--format", "json"]))
    assert len(records) >= 15
    for record in records:
        assert record["command"] in table.replace("\n", " ") or all(
            w in table for w in shlex.split(record["command"])[:4]
        )
        output = _run(shlex.split(record["command"])[1:])
        assert "Traceback" not in output
    assert (home / "out" / "credit" / "PKG-WY_evidence.pdf").is_file()
    assert (home / "out" / "damage" / "report.pdf").is_file()
    used = {f for r in records for f in r["files"]}
    from ganpo.apply.examples import example_files

    assert used == {p.name for p in example_files()}, "an example input no command uses"


# ----------------------------------------------------------------------------- synopsis
def _synopsis() -> list[tuple[list[tuple[str, ...]], set[str]]]:
    """The README's command synopsis: per line, the command paths it names and the options
    it (and its continuation lines) mention."""
    (block,) = [b for b in _blocks("text") if b.lstrip().startswith("ganpo ")]
    entries: list[tuple[list[tuple[str, ...]], set[str]]] = []
    for raw in block.splitlines():
        if raw.startswith("ganpo "):
            usage = re.split(r"\s{2,}", raw.strip())[0]
            alternatives = [a.split() for a in usage[len("ganpo ") :].split(" | ")]
            path = [w for w in _words(alternatives[0])]
            prefix, paths = path[:-1], [tuple(path)]
            for alt in alternatives[1:]:
                paths.append((*prefix, *_words(alt)))
            entries.append((paths, set(re.findall(r"--[a-z][a-z0-9-]*", raw))))
        elif raw.strip() and entries:
            entries[-1][1].update(re.findall(r"--[a-z][a-z0-9-]*", raw))
    return entries


def _words(tokens: list[str]) -> list[str]:
    out = []
    for t in tokens:
        if not re.fullmatch(r"[a-z][a-z0-9-]*", t):
            break
        out.append(t)
    return out


def _command(path: tuple[str, ...]) -> Any:
    """The command object of ``ganpo PATH`` (Typer's click-like tree)."""
    cmd: Any = get_command(app)
    for word in path:
        group = getattr(cmd, "commands", None)
        assert group is not None, f"`ganpo {' '.join(path)}`: {word} follows a command"
        sub = group.get(word)
        assert sub is not None, f"README names `ganpo {' '.join(path)}`, which does not exist"
        cmd = sub
    return cmd


def _options(cmd: Any) -> set[str]:
    return {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}


def test_synopsis_names_commands_and_options_that_exist() -> None:
    entries = _synopsis()
    assert len(entries) >= 25
    for paths, options in entries:
        known = set().union(*(_options(_command(p)) for p in paths))
        unknown = options - known
        assert not unknown, f"README: `ganpo {' '.join(paths[0])}` has no option {unknown}"


def test_every_synopsis_command_is_run_or_accounted_for() -> None:
    folder = f"demo-{RESOLUTION}m"
    from ganpo.apply.examples import example_commands

    run = [tuple(_words(_ganpo_args(ln, folder))) for ln in _readme_ganpo_lines()]
    run += [tuple(_words(shlex.split(c.line)[1:])) for c in example_commands()]
    run.append(("demo",))  # `make demo` calls it
    for paths, _ in _synopsis():
        for path in paths:
            covered = any(r[: len(path)] == path for r in run) or path in NOT_RUN
            assert covered, f"`ganpo {' '.join(path)}` is in the README but nothing runs it"
    for path in NOT_RUN:
        _command(path)  # the exceptions name real commands


def test_readme_listings_take_format(home: Path) -> None:
    match = re.search(r"The listings \((.*?)\) take `--format", README, flags=re.S)
    assert match, "the README's paragraph on --format is missing"
    names = re.findall(r"`([^`]+)`", match.group(1))
    samples = {"params show": ["jiangxi-default"]}
    checked = 0
    for name in names:
        head, *rest = name.split(" | ")
        words = head.split()
        for alt in [words, *([*words[:-1], r.split()[0]] for r in rest)]:
            key = " ".join(alt)
            extra = ["--year", "2023"] if key == "report-forms list" else []
            out = _run([*alt, *samples.get(key, []), *extra, "--format", "json"])
            assert isinstance(json.loads(out), list), key
            checked += 1
    assert checked >= 11
