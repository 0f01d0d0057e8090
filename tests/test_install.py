"""inboxfollow as an installed application: what the wheel holds, and that it runs from a zip.

`scripts/test-wheel.sh` (run by CI) goes further: it installs the wheel into a fresh venv
and runs `demo` and `drafts --dry-run` from a folder outside the checkout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib.resources import files
from pathlib import Path

import pytest

from inboxfollow.outbox.templates import shipped_templates

REPO = Path(__file__).resolve().parent.parent
BUILD_INPUTS = ("pyproject.toml", "README.md", "inboxfollow", "templates", "config")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built as `pip wheel` builds it, from a clean copy of the source (an in-tree
    build/ or *.egg-info could otherwise bring back a file the package data has lost)."""
    work = tmp_path_factory.mktemp("wheel")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "inboxfollow.toml")
    (work / "src").mkdir()
    for name in BUILD_INPUTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, work / "src" / name, ignore=ignore)
        else:
            shutil.copy2(source, work / "src" / name)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
         str(work / "dist"), str(work / "src")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    [built] = (work / "dist").glob("inboxfollow-*.whl")
    return built


def names_in(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_ships_every_template_and_the_example_config(wheel: Path) -> None:
    names = names_in(wheel)
    root = REPO / "templates"
    templates = sorted(str(p.relative_to(root)) for p in root.rglob("*.j2"))
    assert len(templates) >= 36  # digest and checklist, and quote/<lang>/<step>.txt.j2
    for name in templates:
        assert f"inboxfollow/templates/{name}" in names, name
    assert "inboxfollow/examples/inboxfollow.example.toml" in names
    assert "inboxfollow/examples/inboxfollow.service" in names
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("inboxfollow/examples/inboxfollow.example.toml")
        assert shipped == (REPO / "config" / "inboxfollow.example.toml").read_bytes()
        for name in templates:
            assert archive.read(f"inboxfollow/templates/{name}") == (
                REPO / "templates" / name).read_bytes()
    assert not [n for n in names if n.startswith(("templates/", "config/", "tests/"))]


def test_the_wheel_holds_every_module(wheel: Path) -> None:
    """pyproject.toml lists the packages by hand: a new one left out fails here."""
    modules = {str(p.relative_to(REPO)) for p in (REPO / "inboxfollow").rglob("*.py")
               if "__pycache__" not in p.parts}
    missing = modules - names_in(wheel)
    assert not missing, f"add their packages to [tool.setuptools] packages: {sorted(missing)}"


def test_the_package_data_is_read_from_the_zip(wheel: Path, tmp_path: Path) -> None:
    """The wheel itself on sys.path (zipimport): templates and example come from inside it."""
    script = """
import inboxfollow, sys, zipfile
from datetime import datetime, timezone
from inboxfollow.cli import example_config
from inboxfollow.outbox.digest import render_checklist
from inboxfollow.outbox.drafts import DraftFacts, Templates, render_draft
from inboxfollow.outbox.templates import shipped_templates
from inboxfollow.rules.digest import ChecklistData
assert inboxfollow.__file__.startswith(sys.argv[1]), inboxfollow.__file__
assert isinstance(shipped_templates(), zipfile.Path), type(shipped_templates())
facts = DraftFacts("l", 2, False, "ann@acme.example", "Ann Lee", "Quote: shelves",
                   datetime(2026, 3, 2, tzinfo=timezone.utc), 3, ("<q@x>",), "Dana",
                   "dana@shop.example", "Dana")
draft = render_draft(facts, Templates())
print(draft.template, draft.text.splitlines()[0])
print(render_checklist(ChecklistData("Dana", "today", "now", 30))[0])
print(example_config().splitlines()[0])
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(wheel)], capture_output=True, text=True,
        cwd=tmp_path, env={"PYTHONPATH": str(wheel), "PATH": "/usr/bin:/bin"}, timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "quote/en/2.txt.j2 Hi Ann,",
        "Today's follow-ups today: 0 due, 0 to answer, 0 to call",
        "# inboxfollow configuration: every key, with its default and what it does.",
    ]


def test_from_the_checkout_the_templates_are_the_repositorys_folder() -> None:
    """The editable install (the tests' own) maps the package data onto templates/."""
    assert Path(str(shipped_templates())).resolve() == REPO / "templates"
    example = files("inboxfollow.examples").joinpath("inboxfollow.example.toml")
    assert Path(str(example)).resolve() == REPO / "config" / "inboxfollow.example.toml"
