"""Keep the garbage collector's full passes short: what the imports made is frozen.

Streamlit runs a full collection (`gc.collect(2)`) after every script run
(`runner.postScriptGC`), on the script thread and holding the GIL: while it runs, the
server's event loop cannot send the run's last deltas. The app's imports (Streamlit,
pydantic, httpx, Pillow, the offline service, pandas once a batch table is drawn) leave
≈ 170,000 long-lived objects, and a full pass over them took 100–130 ms per rerun — the
largest part of the wait between a change in the form and its new price in the browser.

`freeze_imports()` moves the objects alive after an import into the collector's permanent
generation (`gc.freeze()`), which full passes skip. It acts only when modules were imported
since its last call (at most a handful of times per process: the first run, then the first
visit of a page with imports of its own), after a full collection, so only live objects are
frozen; what a session creates later is collected as before.
"""

from __future__ import annotations

import gc
import sys
import threading

__all__ = ["freeze_imports"]

_lock = threading.Lock()
_modules_seen = 0


def freeze_imports() -> bool:
    """Freeze the heap if modules were imported since the last call; True if it did."""
    global _modules_seen
    with _lock:
        count = len(sys.modules)
        if count <= _modules_seen:
            return False
        gc.collect()
        gc.freeze()
        _modules_seen = count
        return True
