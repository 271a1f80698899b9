"""The offline ModelHunter is a second implementation of the API: it imports nothing from the
client package, so a client bug can never be mirrored by the fake and pass unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

import fake_modelhunter

PACKAGE = Path(fake_modelhunter.__file__).parent


def _client_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else []
        else:
            continue
        found += [name for name in names if name.split(".")[0] == "modelhunter"]
    return found


def test_the_scan_sees_every_import_form() -> None:
    source = (
        "import modelhunter\nimport modelhunter.pricing as p\n"
        "from modelhunter.requests import parse_request\n"
        "def f():\n    from modelhunter import quote\n"
        "if TYPE_CHECKING:\n    from modelhunter.validation import Problem\n"
        "import fake_modelhunter\nfrom fake_modelhunter.rules import read_request\n"
    )
    assert _client_imports(source) == [
        "modelhunter",
        "modelhunter.pricing",
        "modelhunter.requests",
        "modelhunter",
        "modelhunter.validation",
    ]


def test_no_module_of_the_fake_imports_the_client_package() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) >= 20  # the whole package was walked
    offenders = {
        str(path.relative_to(PACKAGE)): imports
        for path in modules
        if (imports := _client_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
