"""The numpydoc examples of the public analysis functions run as doctests.

Every public function of the pure analysis modules carries an ``Examples`` section, and every
example gives the output it shows.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
from types import ModuleType

import pytest

#: The pure analysis modules (no Neo4j, no files): their public functions are documented by
#: example.
PURE_MODULES = (
    "graph.analysis.alerts",
    "graph.analysis.clustering",
    "graph.analysis.cores",
    "graph.analysis.describe",
    "graph.analysis.graphs",
    "graph.analysis.identity",
    "graph.analysis.keyplayers",
    "graph.analysis.pipeline",
    "graph.analysis.projection",
    "graph.analysis.scoring",
)


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


@pytest.mark.parametrize("name", PURE_MODULES)
def test_examples_pass(name: str) -> None:
    module = _module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} example(s) of {name} fail (see the output above)"


@pytest.mark.parametrize("name", PURE_MODULES)
def test_every_public_function_has_examples(name: str) -> None:
    module = _module(name)
    public = [getattr(module, n) for n in getattr(module, "__all__", ())]
    functions = [f for f in public if inspect.isfunction(f) and f.__module__ == name]
    assert functions, f"{name} exports no function"
    missing = [f.__name__ for f in functions if "Examples\n" not in (f.__doc__ or "")]
    assert missing == [], f"public functions of {name} without an Examples section: {missing}"
