"""The layers' import rules, read from the source with `ast` (every import form, also inside
functions and `if TYPE_CHECKING:`); a failure names the offending file:line.

- `modelhunter` (the API package) imports nothing of the app and never streamlit;
- `fake_modelhunter` (a second implementation) imports nothing of the client or the app;
- `playground` (services) imports streamlit only in `state.py`;
- `components` (render functions) make no HTTP: no httpx, no `Client(...)` built.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ("playground", "components", "app_pages", "app", "fake_modelhunter")
HTTP = ("httpx", "requests", "urllib3", "aiohttp", "urllib.request", "http.client")


def _sources(package: str, root: Path = ROOT) -> list[Path]:
    return sorted((root / package).rglob("*.py"))


def _imports(path: Path, package: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in a file; relative ones stay inside
    their own package and are given as that package's name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                yield node.lineno, package
            else:
                yield node.lineno, module
                for alias in node.names:  # `from modelhunter import client` names a module
                    yield node.lineno, f"{module}.{alias.name}"


def _where(path: Path, line: int, root: Path = ROOT) -> str:
    return f"{path.relative_to(root)}:{line}"


def _offending(
    package: str, banned: tuple[str, ...], *, allow: tuple[str, ...] = (), root: Path = ROOT
) -> list[str]:
    """Every import of a banned module (or a module below it) in the package, as file:line."""
    found = []
    for path in _sources(package, root):
        if path.name in allow:
            continue
        for line, module in _imports(path, package):
            hit = next((b for b in banned if module == b or module.startswith(b + ".")), None)
            if hit:
                found.append(f"{_where(path, line, root)} imports {module}")
    return sorted(set(found))


def _client_constructions(path: Path) -> Iterator[int]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in ("Client", "AsyncClient"):
                yield node.lineno


def test_the_scan_sees_every_import_form(tmp_path: Path) -> None:
    folder = tmp_path / "modelhunter"
    folder.mkdir()
    (folder / "x.py").write_text(
        "import streamlit as st\n"
        "from playground.state import get_session\n"
        "def f():\n    import fake_modelhunter.service\n"
        "if TYPE_CHECKING:\n    from components import safe\n"
        "from . import errors\n"
        "Client(key)\nhttpx.Client()\n",
        encoding="utf-8",
    )
    found = _offending("modelhunter", ("streamlit", *APP), root=tmp_path)
    assert found == [
        "modelhunter/x.py:1 imports streamlit",
        "modelhunter/x.py:2 imports playground.state",
        "modelhunter/x.py:2 imports playground.state.get_session",
        "modelhunter/x.py:4 imports fake_modelhunter.service",
        "modelhunter/x.py:6 imports components",
        "modelhunter/x.py:6 imports components.safe",
    ]
    assert list(_client_constructions(folder / "x.py")) == [8, 9]


def test_the_packages_guarded_here_exist() -> None:
    for package in ("modelhunter", "fake_modelhunter", "playground", "components"):
        assert len(_sources(package)) > 3, package
    assert (ROOT / "playground" / "state.py").is_file()


def test_the_api_package_imports_nothing_of_the_app_and_no_streamlit() -> None:
    assert _offending("modelhunter", ("streamlit", *APP)) == []


def test_the_offline_modelhunter_imports_nothing_of_the_client_or_the_app() -> None:
    banned = ("modelhunter", "streamlit", "playground", "components", "app_pages", "app")
    assert _offending("fake_modelhunter", banned) == []


def test_playground_imports_streamlit_only_in_state() -> None:
    assert _offending("playground", ("streamlit",), allow=("state.py",)) == []
    assert _offending("playground", ("components", "app_pages", "app")) == []


def test_components_make_no_http() -> None:
    assert _offending("components", HTTP) == []
    built = [
        f"{_where(path, line)} builds a Client"
        for path in _sources("components")
        for line in _client_constructions(path)
    ]
    assert built == []
