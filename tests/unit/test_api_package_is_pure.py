"""The API package never imports streamlit: it must work in scripts, tests and the fake server."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import modelhunter

PACKAGE = Path(__file__).resolve().parents[2] / "modelhunter"
SOURCES = sorted(PACKAGE.rglob("*.py"))


def imported_roots(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_package_has_the_modules_this_test_guards() -> None:
    names = {source.name for source in SOURCES}

    assert {"requests.py", "validation.py", "pricing.py"} <= names


def test_no_module_imports_streamlit() -> None:
    offenders = [str(s.relative_to(PACKAGE)) for s in SOURCES if "streamlit" in imported_roots(s)]

    assert offenders == []


def test_importing_every_module_leaves_streamlit_unloaded() -> None:
    script = (
        "import importlib, pkgutil, sys, modelhunter\n"
        "for info in pkgutil.walk_packages(modelhunter.__path__, 'modelhunter.'):\n"
        "    importlib.import_module(info.name)\n"
        "assert 'streamlit' not in sys.modules, 'streamlit was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr


def test_public_surface_is_sorted_and_importable() -> None:
    names = modelhunter.__all__

    assert names == sorted(names)
    assert len(names) == len(set(names))
    assert [name for name in names if not hasattr(modelhunter, name)] == []
