"""The release's index page: one accessible HTML page saying which release it is, when it was
produced and by which birthgaps version, and linking every area's committee document and technical
annex (HTML and PDF) and the workbook. In: the release, its areas and the paths of their documents.
Out: ``index.html``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from birthgaps.appendix.area_list import area_finder
from birthgaps.appendix.blocks import escape
from birthgaps.core.errors import InputError
from birthgaps.core.manifest import (
    MANIFEST_NAME,
    package_version,
    produced_date,
    provenance_line,
    short_hash,
)
from birthgaps.core.provenance import SYNTHETIC_NOTICE

__all__ = ["package_version", "produced_date", "write_index"]  # the first two moved to core


def write_index(
    release: str,
    label: str,
    areas: Mapping[str, str],
    appendix_paths: Mapping[str, str],
    synthetic: bool,
    path: str | Path,
    pdf_paths: Mapping[str, str] | None = None,
    workbook: str | Path | None = None,
    *,
    annex_paths: Mapping[str, str] | None = None,
    annex_pdf_paths: Mapping[str, str] | None = None,
    produced: str | None = None,
    birthgaps_version: str | None = None,
    manifest: Mapping | None = None,
    regions: Mapping[str, str] | None = None,
) -> None:
    """A plain, accessible HTML index of a release: one relative link per area's committee
    document, and its release label, date produced and birthgaps version.

    ``appendix_paths`` maps area code -> committee HTML path (absolute, or relative to the current
    directory like Snakemake paths); links are written relative to the index's folder. Optional
    ``pdf_paths``, ``annex_paths`` and ``annex_pdf_paths`` (area code -> file) add links to the
    committee PDF and the technical annex (HTML, PDF); ``workbook`` to the spreadsheet.
    ``produced`` defaults to ``produced_date()``, ``birthgaps_version`` to ``package_version()``;
    a provenance ``manifest`` (``core.manifest``, written beside the index) gives both, and adds a
    "Provenance" section linking it.
    ``regions`` (area code -> region name) groups the area list by region (``area_list``).
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

    def link(paths: Mapping[str, str] | None, code: str, text: str) -> str:
        if not paths or code not in paths:
            return ""
        return f' — <a href="{relative(paths[code])}">{text}</a>'

    items = {}
    for code, name in areas.items():
        pdf = link(pdf_paths, code, f"PDF version of the {escape(name)} appendix")
        annex = link(annex_paths, code, f"technical annex for {escape(name)}")
        annex += link(annex_pdf_paths, code, f"PDF version of the {escape(name)} technical annex")
        items[code] = (
            name,
            f'<a href="{relative(appendix_paths[code])}">{escape(name)}</a> '
            f'<span class="code">({escape(code)})</span>{pdf}{annex}',
        )
    if manifest is not None:
        produced, birthgaps_version = manifest["produced"], manifest["birthgaps_version"]
    produced = produced if produced is not None else produced_date()
    birthgaps_version = birthgaps_version or package_version()
    provenance = provenance_section(manifest) if manifest is not None else ""
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
<html lang="en-GB">
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
    .about dt {{ font-weight: bold; float: left; clear: left; width: 7em; }}
    .about dd {{ margin-left: 7.5em; }}
    .finder input {{ font-size: 1em; padding: 0.3em; border: 2px solid #0b0c0c; width: 20em; }}
    .finder input:focus {{ outline: 3px solid #f46a25; }}
    [hidden] {{ display: none !important; }}
  </style>
</head>
<body>
<header>
{banner}</header>
<main>
  <h1>{escape(title)}</h1>
  <dl class="about">
    <dt>Release</dt><dd>{escape(label)} (<code>{escape(release)}</code>)</dd>
    <dt>Produced</dt><dd>{escape(produced)}</dd>
    <dt>Made with</dt><dd>birthgaps {escape(birthgaps_version)}</dd>
  </dl>
  <p>For each area: an appendix for the scrutiny committee (key messages first, the charts that
  carry them, a short note on data and methods) and a technical annex (rates by deprivation and
  ethnic group, trends, inequality measures, adjusted odds and risk ratios, model fit, funnel
  plots, the exclusion flow, definitions and limitations). Every number has passed disclosure
  control.</p>
{area_finder(items, regions or {})}{downloads}{provenance}</main>
</body>
</html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)


def provenance_section(manifest: Mapping) -> str:
    """The index page's "Provenance" section: the code version, the lock file's hash and a link
    to the manifest of input checksums beside the page."""
    return (
        "  <h2>Provenance</h2>\n"
        f"  <p>{escape(provenance_line(manifest))}. Code version "
        f"<code>{escape(manifest['code_version'])}</code>, lock file sha256 "
        f"<code>{escape(short_hash(manifest.get('lock_sha256')))}</code>. "
        f'<a href="{MANIFEST_NAME}">The manifest (JSON)</a> lists the size and sha256 of every '
        "input file and of the config.</p>\n"
    )
