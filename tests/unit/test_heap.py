"""`playground.heap.freeze_imports`: the imports' objects leave the collector's passes, once
per batch of new imports, and only live objects are frozen."""

from __future__ import annotations

import gc
import sys
import types

import pytest

from playground import heap


@pytest.fixture(autouse=True)
def _unfrozen():
    gc.unfreeze()
    heap._modules_seen = 0
    yield
    gc.unfreeze()  # the rest of the test run collects as before


def test_the_first_call_freezes_what_is_alive() -> None:
    assert gc.get_freeze_count() == 0
    assert heap.freeze_imports() is True
    assert gc.get_freeze_count() > 0
    assert gc.get_objects(generation=2) == []  # a full pass has nothing old to walk


def test_no_new_imports_no_new_freeze() -> None:
    heap.freeze_imports()
    frozen = gc.get_freeze_count()
    assert heap.freeze_imports() is False
    assert gc.get_freeze_count() == frozen


def test_a_new_import_freezes_again(monkeypatch: pytest.MonkeyPatch) -> None:
    heap.freeze_imports()
    monkeypatch.setitem(sys.modules, "bench_heap_new_module", types.ModuleType("x"))
    assert heap.freeze_imports() is True


def test_garbage_cycles_are_collected_not_frozen() -> None:
    class Node:
        pass

    def cycle() -> None:
        a, b = Node(), Node()
        a.other, b.other = b, a

    gc.collect()
    for _ in range(100):
        cycle()
    heap.freeze_imports()
    assert not any(type(o) is Node for o in gc.get_objects())
