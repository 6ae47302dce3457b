"""Northbrook's appendix made from the fake published tables: the tables and figures written as the
pipeline publishes them, the notebook parameters, and the rendered page."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from birthgaps.appendix import figures
from birthgaps.appendix import notebook as rendering
from birthgaps.core.settings import load_config
from support import REPO

TEMPLATE = REPO / "notebooks" / "area_appendix.ipynb"
AREA, AREA_NAME = "X06000001", "Northbrook"
MODEL_TABLES = ("risk_ratios", "interaction", "stratified", "excess_explained", "model_fit")
TABLES = ("rates", "models", "flow", "trends", "inequality", "funnel", *MODEL_TABLES)
#: The demo config's resolved disclosure rule (what the charts' notes state).
DISCLOSURE = load_config(REPO / "config" / "config.yaml")["disclosure"]


def write_published(root: Path, tables: dict[str, pd.DataFrame]) -> dict:
    """``tables`` (keys TABLES) written under ``root``/tables, plus Northbrook's figure set; the
    paths as notebook parameters (``<name>_csv``, ``figures_dir``) and ``root``."""
    paths = {f"{name}_csv": root / "tables" / f"{name}.csv" for name in TABLES}
    paths["figures_dir"] = root / "figures" / AREA
    paths["rates_csv"].parent.mkdir(parents=True)
    for name in TABLES:
        tables[name].to_csv(paths[f"{name}_csv"], index=False)
    figures.write_area_figures(
        tables["rates"],
        tables["models"],
        tables["flow"],
        AREA,
        paths["figures_dir"],
        trends=tables["trends"],
        inequality=tables["inequality"],
        funnel=tables["funnel"],
        risk_ratios=tables["risk_ratios"],
        synthetic=True,
        disclosure=DISCLOSURE,
    )
    return {"root": root, **paths}


def appendix_parameters(published: dict, **changes) -> dict:
    """The notebook parameters of Northbrook's appendix over ``published``, with ``changes``."""
    parameters = {
        "release": "demo",
        "release_label": "Demo release (synthetic data, fictional areas)",
        "area_code": AREA,
        "area_name": AREA_NAME,
        "synthetic": True,
        **{k: str(published[k]) for k in (*(f"{t}_csv" for t in TABLES), "figures_dir")},
    }
    parameters.update(changes)
    return parameters


def render(published: dict) -> dict:
    """Northbrook's appendix executed and rendered under ``published["root"]``/appendix: the
    executed notebook, the committee page (``html``), the technical annex (``annex``) and the
    papermill log."""
    out = published["root"] / "appendix"
    executed, page, log = out / f"{AREA}.ipynb", out / f"{AREA}.html", out / f"{AREA}.log"
    annex = out / f"{AREA}_annex.html"
    rendering.render_appendix(
        TEMPLATE, executed, page, appendix_parameters(published), sys.executable, log, annex=annex
    )
    return {"executed": executed, "html": page, "annex": annex, "log": log}
