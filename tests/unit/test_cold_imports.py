"""Cold start: what the first page imports. The Generate page's modules (and app.py's) leave
out the heavy libraries only some views need: pandas/pyarrow (the batch table, the Costs
page) and numpy/PyAV (a Demo clip being rendered). Streamlit imports numpy itself when an
image is drawn; that is its cost, not an import of ours."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_PAGE = ("app.py", "app_pages/generate.py")
LATER = ("pandas", "pyarrow", "numpy", "av")


def _imported_modules(script: Path) -> list[str]:
    names: list[str] = []
    for node in ast.parse(script.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def test_the_first_page_imports_no_pandas_numpy_or_av() -> None:
    modules = sorted({m for s in FIRST_PAGE for m in _imported_modules(ROOT / s)})
    assert "components.batch_panel" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in {LATER!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout


def test_with_a_key_the_offline_service_is_never_imported() -> None:
    code = (
        "import sys\n"
        "from playground.backend import connect\n"
        "from playground.settings import Settings\n"
        "backend = connect(Settings.load({}), 'river_test_' + 'k' * 32)\n"
        "assert backend.mode == 'sandbox' and backend.fake is None\n"
        "print('fake_modelhunter' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False", out.stdout
