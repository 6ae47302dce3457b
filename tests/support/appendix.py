"""Northbrook's appendix made from the fake published tables: the tables and figures written as the
pipeline publishes them, the notebook parameters, and the rendered page."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from birthgaps.appendix import figures
from birthgaps.appendix import notebook as rendering
from birthgaps.core import labels
from birthgaps.core.settings import load_config
from support import REPO

TEMPLATE = REPO / "notebooks" / "area_appendix.ipynb"
AREA, AREA_NAME = "X06000001", "Northbrook"
MODEL_TABLES = ("risk_ratios", "interaction", "stratified", "excess_explained", "model_fit")
TABLES = ("rates", "outcomes", "models", "flow", "trends", "inequality", "funnel", *MODEL_TABLES)
#: The demo config's resolved disclosure rule (what the charts' notes state).
DISCLOSURE = load_config(REPO / "config" / "config.yaml")["disclosure"]


def write_published(root: Path, tables: dict[str, pd.DataFrame]) -> dict:
    """``tables`` (keys TABLES) written under ``root``/tables, plus Northbrook's figure set; the
    paths as notebook parameters (``<name>_csv``, ``figures_dir``) and ``root``."""
    paths = {f"{name}_csv": root / "tables" / f"{name}.csv" for name in TABLES}
    paths["figures_dir"] = root / "figures" / AREA
    paths["rates_csv"].parent.mkdir(parents=True)
    if "outcomes" not in tables:
        from support.fakes import fake_outcomes_table

        tables = {**tables, "outcomes": fake_outcomes_table()}
    for name in TABLES:
        tables[name].to_csv(paths[f"{name}_csv"], index=False)
    labels.use_outcomes(tables["outcomes"])
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
        "death_markers_csv": str(published.get("death_markers_csv", "")),
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


def _utf16(function, *args) -> str:
    """A UTF-16 string from a pdfium getter that takes (..., buffer, length) and returns bytes."""
    import ctypes

    size = function(*args, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    argument = function.argtypes[len(args)]  # char* or unsigned short* depending on the getter
    function(*args, ctypes.cast(buffer, argument), size)
    return buffer.raw[: size - 2].decode("utf-16-le")


def pdf_structure(path: Path) -> dict:
    """What a screen reader gets from a PDF (pypdfium2): whether it is tagged, its language and
    title, every structure element as (type, alt text) in reading order, and the number of images
    drawn on its pages."""
    import pypdfium2
    import pypdfium2.raw as pdfium

    document = pypdfium2.PdfDocument(str(path))
    elements: list[tuple[str, str]] = []

    def walk(element) -> None:
        elements.append(
            (
                _utf16(pdfium.FPDF_StructElement_GetType, element),
                _utf16(pdfium.FPDF_StructElement_GetAltText, element),
            )
        )
        for index in range(pdfium.FPDF_StructElement_CountChildren(element)):
            child = pdfium.FPDF_StructElement_GetChildAtIndex(element, index)
            if child:
                walk(child)

    images = 0
    try:
        for page in document:
            tree = pdfium.FPDF_StructTree_GetForPage(page.raw)
            try:
                for index in range(pdfium.FPDF_StructTree_CountChildren(tree)):
                    walk(pdfium.FPDF_StructTree_GetChildAtIndex(tree, index))
            finally:
                pdfium.FPDF_StructTree_Close(tree)
            images += len(list(page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_IMAGE])))
        return {
            "tagged": bool(pdfium.FPDFCatalog_IsTagged(document.raw)),
            "lang": _utf16(pdfium.FPDFCatalog_GetLanguage, document.raw),
            "title": document.get_metadata_dict().get("Title", ""),
            "elements": elements,
            "images": images,
            "pages": len(document),
        }
    finally:
        document.close()
