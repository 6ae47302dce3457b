"""Benchmark: render one area's appendix (notebook execution, two documents in HTML and PDF).

Usage: cd /work/main && python3 -m uv run snakemake --cores 2   # the demo outputs, once
       python3 -m uv run python benchmarks/render_area.py [--area X06000001] [--repeats 3]

Times each step as the ``appendix`` rule runs it: papermill execution of the template (once), the
committee document and the technical annex as HTML (nbconvert in process, without code), the
analysts' HTML (with code) and the two A4 PDFs (WeasyPrint); prints the pages and sizes. Writes into a temporary folder, never into results/. Prints Markdown; the target is
at most 15 s for one area (issue 5).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from birthgaps.appendix.notebook import (
    render_analyst_html,
    render_appendix,
    render_documents,
    write_documents,
)
from birthgaps.appendix.pdf import html_to_pdf, pdf_page_count

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "notebooks" / "area_appendix.ipynb"
TABLES = {
    "rates_csv": "rates.csv",
    "models_csv": "models.csv",
    "flow_csv": "exclusion_flow.csv",
    "trends_csv": "trends.csv",
    "inequality_csv": "inequality.csv",
    "funnel_csv": "funnel.csv",
    "risk_ratios_csv": "risk_ratios.csv",
    "interaction_csv": "interaction.csv",
    "stratified_csv": "stratified.csv",
    "excess_explained_csv": "excess_explained.csv",
    "model_fit_csv": "model_fit.csv",
}
TARGET_S = 15.0


def parameters(release_dir: Path, area: str, config: dict) -> dict:
    """The notebook parameters the appendix rule passes, pointed at the demo's published tables."""
    tables = release_dir / "published" / "tables"
    missing = [name for name in TABLES.values() if not (tables / name).exists()]
    if missing:
        sys.exit(f"demo outputs missing ({', '.join(missing)}): run snakemake --cores 2 first")
    spec = config["releases"][config["release"]]
    return {
        "release": config["release"],
        "release_label": spec["label"],
        "area_code": area,
        "area_name": config["areas"][area],
        "synthetic": spec["synthetic"],
        **{key: str(tables / name) for key, name in TABLES.items()},
        "figures_dir": str(release_dir / "published" / "figures" / area),
    }


def one_run(params: dict, out: Path) -> dict[str, float]:
    """Seconds for each step of one area's appendix, and the documents' pages and sizes."""
    executed, page, analyst, pdf = (out / f"a.{s}" for s in ("ipynb", "html", "code.html", "pdf"))
    annex, annex_pdf = out / "a_annex.html", out / "a_annex.pdf"
    started = time.perf_counter()
    render_appendix(TEMPLATE, executed, page, params, sys.executable, out / "log", annex=annex)
    execute_and_html = time.perf_counter() - started
    # the two pages alone, to split papermill from nbconvert
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    started = time.perf_counter()
    write_documents(notebook, {"committee": out / "c.html", "annex": out / "c_annex.html"})
    html = time.perf_counter() - started
    started = time.perf_counter()
    render_analyst_html(executed, analyst)
    code_html = time.perf_counter() - started
    started = time.perf_counter()
    pages = html_to_pdf(page, pdf, synthetic=params["synthetic"])
    annex_pages = html_to_pdf(annex, annex_pdf, synthetic=params["synthetic"])
    pdf_s = time.perf_counter() - started
    assert pages == pdf_page_count(pdf)
    # as the rule runs them: the analysts' HTML beside the PDFs
    started = time.perf_counter()
    render_documents(
        executed,
        page,
        analyst,
        pdf,
        synthetic=params["synthetic"],
        annex_html=annex,
        annex_pdf=annex_pdf,
    )
    both = time.perf_counter() - started
    return {
        "notebook execution (papermill)": execute_and_html - html,
        "committee and annex HTML (nbconvert, no code)": html,
        "analysts' HTML (nbconvert, with code)": code_html,
        "two PDFs (WeasyPrint)": pdf_s,
        "pages": pages,
        "annex pages": annex_pages,
        "sizes": {p.name: p.stat().st_size for p in (page, annex, pdf, annex_pdf)},
        "rule": execute_and_html + both,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default=None, help="area code (default: the first configured)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    area = args.area or next(iter(config["areas"]))
    params = parameters(REPO / "results" / config["release"], area, config)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            runs.append(one_run(params, Path(tmp)))
    steps = [k for k in runs[0] if k not in ("pages", "annex pages", "sizes", "rule")]
    print(f"Appendix of {params['area_name']} ({area}), {args.repeats} runs, median seconds:\n")
    print("| step | median (s) | min (s) | max (s) |\n|---|---:|---:|---:|")
    totals = [sum(run[k] for k in steps) for run in runs]
    for step in steps:
        values = [run[step] for run in runs]
        print(
            f"| {step} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} |"
        )
    print(
        f"| **total** | **{statistics.median(totals):.2f}** | {min(totals):.2f} | "
        f"{max(totals):.2f} |"
    )
    rule = [run["rule"] for run in runs]
    print(
        f"| as the rule runs (analysts' HTML beside the PDF) | {statistics.median(rule):.2f} | "
        f"{min(rule):.2f} | {max(rule):.2f} |"
    )
    sizes = ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in runs[0]["sizes"].items())
    print(f"\nPDF pages: committee {runs[0]['pages']}, annex {runs[0]['annex pages']}. {sizes}.")
    print(f"Target: at most {TARGET_S:.0f} s; ", end="")
    print("met." if statistics.median(rule) <= TARGET_S else "NOT met.")


if __name__ == "__main__":
    main()
