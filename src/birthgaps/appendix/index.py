"""The release's index page: one accessible HTML page linking every area's appendix, its PDF and
the workbook. In: the release, its areas and the paths of their documents. Out: ``index.html``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from birthgaps.appendix.blocks import escape
from birthgaps.core.errors import InputError
from birthgaps.core.provenance import SYNTHETIC_NOTICE


def write_index(
    release: str,
    label: str,
    areas: Mapping[str, str],
    appendix_paths: Mapping[str, str],
    synthetic: bool,
    path: str | Path,
    pdf_paths: Mapping[str, str] | None = None,
    workbook: str | Path | None = None,
) -> None:
    """A plain, accessible HTML index of a release: one relative link per area's appendix.

    ``appendix_paths`` maps area code -> appendix HTML path (absolute, or relative to the current
    directory like Snakemake paths); links are written relative to the index's folder. Optional
    ``pdf_paths`` (area code -> PDF) and ``workbook`` add links to the PDF and the spreadsheet.
    """
    path = Path(path)
    missing = [code for code in areas if code not in appendix_paths]
    if missing:
        raise InputError(
            f"no appendix path for area(s) {', '.join(missing)}",
            key="areas",
            hint="pass one appendix HTML path per configured area",
        )
    base = path.parent.resolve()

    def relative(target: str | Path) -> str:
        return escape(Path(os.path.relpath(Path(target).resolve(), base)).as_posix())

    items = []
    for code, name in areas.items():
        pdf = ""
        if pdf_paths and code in pdf_paths:
            pdf = f' — <a href="{relative(pdf_paths[code])}">PDF version of the {escape(name)} appendix</a>'
        items.append(
            f'    <li><a href="{relative(appendix_paths[code])}">{escape(name)}</a> '
            f'<span class="code">({escape(code)})</span>{pdf}</li>'
        )
    downloads = (
        f'  <h2>Data</h2>\n  <p><a href="{relative(workbook)}">All published tables as an accessible '
        "spreadsheet (XLSX)</a>, with cover, contents and notes.</p>\n"
        if workbook
        else ""
    )
    banner = (
        f'  <p class="banner" role="note"><strong>{escape(SYNTHETIC_NOTICE)}</strong> This release is '
        "a demonstration made from generated data; do not quote its numbers.</p>\n"
        if synthetic
        else ""
    )
    title = f"Inequalities in preterm birth and low birth weight: {label}"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(title)}</title>
  <style>
    body {{ font-family: Arial, Helvetica, sans-serif; max-width: 46em; margin: 2em auto;
           padding: 0 1em; line-height: 1.5; color: #0b0c0c; }}
    a {{ color: #12436d; }}
    a:focus {{ outline: 3px solid #f46a25; }}
    .banner {{ border: 3px solid #801650; background: #fbeaf1; padding: 0.8em 1em; }}
    .code {{ color: #3d3d3d; }}
  </style>
</head>
<body>
<header>
{banner}</header>
<main>
  <h1>{escape(title)}</h1>
  <p>Release <code>{escape(release)}</code>. One appendix per area: rates of preterm birth and low
  birth weight by deprivation and ethnic group, adjusted odds and risk ratios, and data notes. Every
  number has passed disclosure control.</p>
  <h2>Area appendices</h2>
  <ul>
{chr(10).join(items)}
  </ul>
{downloads}</main>
</body>
</html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
