"""The chart modules of the appendix stage import one way: tables and words, then findings, then the
charts' look, then the charts, then an area's figure set (read with ``ast``; nothing is imported)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APPENDIX = Path(__file__).resolve().parents[1] / "src" / "birthgaps" / "appendix"
#: Inner layers, lowest first: a module may import its own layer's neighbours and lower layers only.
LAYERS = [
    {"frames", "wording"},
    {"findings", "charts_style", "charts_axes", "figure_set"},
    {"charts_rates", "charts_models", "charts_flow", "charts_indicators", "charts_groups"},
    {"figures"},
]
LEVEL = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _appendix_imports(name: str) -> set[str]:
    """Modules of ``birthgaps.appendix`` that ``name`` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse((APPENDIX / f"{name}.py").read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "birthgaps.appendix":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "birthgaps.appendix."
        ):
            found.add(node.module.rsplit(".", 1)[1])
    return found - {name}


@pytest.mark.parametrize("name", sorted(LEVEL))
def test_chart_modules_import_only_lower_layers(name):
    deps = _appendix_imports(name)
    assert deps <= set(LEVEL), (
        f"{name} imports {sorted(deps - set(LEVEL))} (later appendix modules)"
    )
    upward = sorted(d for d in deps if LEVEL[d] > LEVEL[name])
    assert not upward, f"{name} imports {upward}, a later layer"


def test_frames_and_wording_do_not_depend_on_each_other():
    """Reading a table and wording a number are independent: findings combine them."""
    assert "wording" not in _appendix_imports("frames")
    assert "frames" not in _appendix_imports("wording")


def test_the_charts_look_does_not_depend_on_findings():
    assert not _appendix_imports("charts_style") & {"findings", "frames"}
