"""Rendering one area's appendix: the template executed once with papermill, then split by cell
tags into two documents converted by nbconvert without code (the committee document and the
technical annex), the analysts' HTML (with code), and both documents printed to tagged PDF.

In: a notebook template, its parameters and the interpreter to run it. Out: the executed notebook,
the HTML pages and the PDFs; a ``NotebookError`` naming the failing cell when it cannot be done.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from birthgaps.core.errors import InputError


class NotebookError(InputError):
    """The appendix notebook could not be executed or rendered; names the notebook and the cell."""


def template_parameters(template: str | Path) -> dict[str, Any]:
    """Names and default values of the template's ``parameters`` cell."""
    notebook = json.loads(Path(template).read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
            "tags", []
        ):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            defaults: dict[str, Any] = {}
            for node in ast.parse(source).body:
                target = None
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    target, value = node.target, node.value
                if isinstance(target, ast.Name):
                    try:
                        defaults[target.id] = ast.literal_eval(value)
                    except ValueError:
                        defaults[target.id] = None
            return defaults
    raise NotebookError(
        "the notebook template has no code cell tagged 'parameters'",
        file=str(template),
        hint="tag the first code cell 'parameters' (papermill)",
    )


def _plain(value: Any) -> Any:
    """A YAML-safe plain value (paths become strings)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def check_parameters(template: str | Path, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Refuse names the template does not declare and values of the wrong type (bool, string)."""
    defaults = template_parameters(template)
    unknown = sorted(set(parameters) - set(defaults))
    if unknown:
        raise NotebookError(
            f"unknown notebook parameter(s) {', '.join(unknown)}",
            file=str(template),
            key=", ".join(unknown),
            hint=f"the template's parameters are: {', '.join(defaults)}",
        )
    plain = {k: _plain(v) for k, v in parameters.items()}
    for key, value in plain.items():
        default = defaults[key]
        if isinstance(default, bool) and not isinstance(value, bool):
            raise NotebookError(
                f"notebook parameter {key} must be true or false, not {value!r}",
                file=str(template),
                key=key,
            )
        if isinstance(default, str) and not isinstance(value, str):
            raise NotebookError(
                f"notebook parameter {key} must be a string, not {value!r}",
                file=str(template),
                key=key,
            )
    return plain


def _remove(*paths: Path) -> None:
    for path in paths:
        if path.exists() and path.is_file():
            path.unlink()


def _log(
    log: Path | None, title: str, command: list[str], result: subprocess.CompletedProcess
) -> None:
    if log is None:
        return
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"== {title}: exit {result.returncode}\n$ {' '.join(command)}\n")
        if result.stdout and title != "nbconvert":
            handle.write(result.stdout)
        if result.stderr:
            handle.write(result.stderr)
        handle.write("\n")


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _failing_cell(template: Path, executed: Path) -> str | None:
    """'cell N (first line ...): Error: message' from a partly executed notebook, or None."""
    if not executed.exists():
        return None
    try:
        notebook = json.loads(executed.read_text(encoding="utf-8"))
        template_cells = json.loads(template.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None

    def source(cell: dict) -> str:
        text = cell.get("source", "")
        return "".join(text) if isinstance(text, list) else text

    for cell in notebook.get("cells", []):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not errors:
            continue
        text = source(cell)
        number = next((i for i, c in enumerate(template_cells, start=1) if source(c) == text), None)
        first_line = next((line for line in text.splitlines() if line.strip()), "").strip()
        where = f"cell {number} of the template" if number else "a cell"
        if cell.get("execution_count"):
            where += f" (execution count {cell['execution_count']})"
        error = errors[0]
        value = _ANSI.sub("", str(error.get("evalue", ""))).strip()
        return f"{where}, starting {first_line!r}: {error.get('ename', 'Error')}: {value}"
    return None


#: How often a kernel that dies while starting is started again, and the message that says so.
KERNEL_START_ATTEMPTS = 3
KERNEL_DIED = "Kernel died before replying to kernel_info"


def _log_note(log: str | Path | None, note: str) -> None:
    """Append one line to the rule's log (if any)."""
    if log is not None:
        with Path(log).open("a", encoding="utf-8") as handle:
            handle.write(f"{note}\n")


#: Cell tags that make the two documents of an area from one executed notebook: a cell tagged
#: ``committee`` is only in the committee document, one tagged ``annex`` only in the technical
#: annex; an untagged cell (parameters, reading the inputs) is in both.
PARTS = ("committee", "annex")

#: Page title of each document (``{area}`` the area's name).
PART_TITLES = {
    "committee": "{area}: preterm birth and low birth weight, appendix for the scrutiny committee",
    "annex": "{area}: preterm birth and low birth weight, technical annex",
}


def split_notebook(notebook: Mapping[str, Any], part: str) -> dict[str, Any]:
    """The cells of ``notebook`` that belong to ``part`` (one of ``PARTS``): every cell not tagged
    with the other part. A template without tags gives the whole notebook to both."""
    if part not in PARTS:
        raise ValueError(f"unknown document part {part!r}; expected one of {PARTS}")
    others = set(PARTS) - {part}
    cells = [
        cell
        for cell in notebook.get("cells", [])
        if not others & set(cell.get("metadata", {}).get("tags", []))
    ]
    meta = dict(notebook.get("metadata", {}))
    area = meta.pop("area", None)
    if area:
        meta["title"] = PART_TITLES[part].format(area=area)
    return {**notebook, "cells": cells, "metadata": meta}


def _export_html(notebook: Mapping[str, Any], *, code: bool) -> str:
    """One notebook as a self-contained HTML page, converted in this process (nbconvert's
    HTMLExporter: no interpreter start per page); ``code`` keeps the code cells."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=not code,
        exclude_input_prompt=not code,
        exclude_output_prompt=not code,
    )
    node = nbformat.reads(json.dumps(notebook), as_version=nbformat.NO_CONVERT)
    page, _ = exporter.from_notebook_node(node)
    return _self_contained(page)


def _write_page(page: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)


def write_documents(
    notebook: Mapping[str, Any], pages: Mapping[str, str | Path], *, name: str = "the notebook"
) -> None:
    """Each document of an executed notebook (``pages``: part of ``PARTS`` -> HTML path) as a page
    without code, converted in this process; a ``NotebookError`` names the part that failed."""
    for part, path in pages.items():
        try:
            page = _export_html(split_notebook(notebook, part), code=False)
        except Exception as error:
            raise NotebookError(
                f"nbconvert could not render the {part} part of {name} to HTML: {error}",
                file=str(name),
            ) from error
        _write_page(page, Path(path))


def add_colophon(page: str | Path, text: str) -> None:
    """End a rendered document with a footer holding ``text`` (its provenance), in place."""
    from html import escape

    page = Path(page)
    footer = f'<footer class="colophon"><p>{escape(text)}</p></footer>\n'
    markup = page.read_text(encoding="utf-8")
    end = markup.rfind("</body>")
    _write_page(markup[:end] + footer + markup[end:] if end >= 0 else markup + footer, page)


def render_appendix(
    template: str | Path,
    executed: str | Path,
    html: str | Path,
    parameters: Mapping[str, Any],
    python: str,
    log: str | Path | None = None,
    *,
    annex: str | Path | None = None,
    timeout: int = 600,
) -> None:
    """Execute the template with papermill (``python -m papermill``, kernel python3), strip run
    timestamps from the executed notebook, and convert it to HTML without code: the committee
    document to ``html`` and, when ``annex`` is given, the technical annex to ``annex`` (cells
    split by their tags, ``split_notebook``; one execution serves both).

    On failure every output is removed and a ``NotebookError`` names the notebook, the failing
    cell and the error. Relative paths in ``parameters`` are resolved from the current directory.
    """
    template, executed, html = Path(template), Path(executed), Path(html)
    pages = {"committee": html} | ({"annex": Path(annex)} if annex is not None else {})
    log = Path(log) if log is not None else None
    if not template.exists():
        raise NotebookError("the notebook template is missing", file=str(template))
    plain = check_parameters(template, parameters)
    executed.parent.mkdir(parents=True, exist_ok=True)
    html.parent.mkdir(parents=True, exist_ok=True)
    _remove(executed, *pages.values())
    env = {**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

    command = [
        python, "-m", "papermill", str(template), str(executed),
        "-k", "python3",
        "-y", yaml.safe_dump(plain, sort_keys=True, allow_unicode=True),
        "--cwd", os.getcwd(),
        "--no-progress-bar",
        "--execution-timeout", str(timeout),
        # written once at the end (with the failing cell, if any), not after every cell: each
        # save serialised the notebook and its embedded charts again
        "--no-request-save-on-cell-execute", "--autosave-cell-every", "0",
    ]  # fmt: skip
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        except OSError as error:
            raise NotebookError(
                f"cannot start papermill with the interpreter {python!r}: {error}",
                file=str(template),
                hint="pass sys.executable of the environment that has birthgaps installed",
            ) from error
        _log(log, "papermill", command, result)
        # kernels started at the same moment by parallel jobs can race for a TCP port and die
        # before they answer; that is not the notebook's fault, so start it again
        if result.returncode == 0 or KERNEL_DIED not in result.stderr:
            break
        _remove(executed, *pages.values())
        _log_note(log, f"kernel died while starting (attempt {attempt}); starting it again")
    if result.returncode != 0:
        cell = _failing_cell(template, executed)
        _remove(executed, *pages.values())
        tail = "\n".join(_ANSI.sub("", result.stderr).strip().splitlines()[-8:])
        raise NotebookError(
            f"the appendix notebook {template.name} failed in "
            + (cell if cell else f"papermill (exit {result.returncode}):\n{tail}"),
            file=str(template),
            hint=(f"see the log {log}; " if log else "")
            + "the executed notebook and HTML were removed",
        )
    try:
        write_documents(_normalise_notebook(executed, plain), pages, name=executed.name)
    except BaseException:
        _remove(executed, *pages.values(), *(p.with_name(p.name + ".tmp") for p in pages.values()))
        raise


#: The documents' language (British English), declared on every page and so in every PDF.
LANGUAGE = "en-GB"

_REMOTE_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*')


def _self_contained(page: str) -> str:
    """Drop the template's CDN scripts (require.js, MathJax; the appendix has no maths or widgets)
    so the page loads nothing from elsewhere, and make sure the language is declared."""
    page = _REMOTE_SCRIPT.sub("", page)
    head = page.split(">", 2)[1] if "<html" in page else ""
    if "<html" in page and 'lang="' not in head:
        page = page.replace("<html", f'<html lang="{LANGUAGE}"', 1)
    elif 'lang="en"' in head:
        page = page.replace('lang="en"', f'lang="{LANGUAGE}"', 1)
    return page


def _normalise_notebook(path: Path, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Remove run timestamps (so the same inputs give the same bytes) and set the page title;
    returns the notebook."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    meta = notebook.setdefault("metadata", {})
    for key in ("start_time", "end_time", "duration", "exception"):
        meta.get("papermill", {}).pop(key, None)
    area = parameters.get("area_name") or parameters.get("area_code")
    if area:
        meta["title"] = f"{area}: preterm birth and low birth weight appendix"
    for cell in notebook.get("cells", []):
        cell_meta = cell.get("metadata", {})
        if "injected-parameters" in cell_meta.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id
        cell_meta.pop("execution", None)
        for key in ("start_time", "end_time", "duration", "exception", "status"):
            cell_meta.get("papermill", {}).pop(key, None)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if area:
        notebook["metadata"] = {**meta, "area": area}
    return notebook


# --------------------------------------------------------------------------------------------
# The analysts' version (with code) and the printable PDF
# --------------------------------------------------------------------------------------------


def render_analyst_html(executed: str | Path, html: str | Path) -> None:
    """Convert an executed appendix notebook to HTML *with* its code cells, for analysts.

    Converted in this process (no interpreter start, about 2 s of CPU saved per area); kept
    outside the published tree; the page loads nothing from elsewhere. On failure no HTML is left
    and a ``NotebookError`` names the notebook.
    """
    executed, html = Path(executed), Path(html)
    if not executed.exists():
        raise NotebookError("the executed notebook is missing", file=str(executed))
    try:
        page = _export_html(json.loads(executed.read_text(encoding="utf-8")), code=True)
    except Exception as error:
        _remove(html)
        raise NotebookError(
            f"nbconvert could not render {executed.name} to HTML with code: {error}",
            file=str(executed),
        ) from error
    _write_page(page, html)


def render_appendix_pdf(
    html: str | Path, pdf: str | Path, *, synthetic: bool, notice: str = ""
) -> int:
    """Print the reviewer HTML to an A4 PDF (``birthgaps.appendix.pdf.html_to_pdf``); returns the page count."""
    from birthgaps.appendix.pdf import html_to_pdf

    return html_to_pdf(html, pdf, synthetic=synthetic, notice=notice)


def render_documents(
    executed: str | Path,
    html: str | Path,
    analyst: str | Path,
    pdf: str | Path,
    *,
    synthetic: bool,
    annex_html: str | Path | None = None,
    annex_pdf: str | Path | None = None,
) -> int:
    """After ``render_appendix``: the analysts' HTML and the PDFs of the committee document and
    (given both paths) of the technical annex, all in this process; returns the committee PDF's
    page count. If any fails, none of these outputs is left."""
    printed = [(html, pdf)] + ([(annex_html, annex_pdf)] if annex_html and annex_pdf else [])
    outputs = [Path(analyst), *(Path(out) for _, out in printed)]
    try:
        render_analyst_html(executed, analyst)
        pages = [render_appendix_pdf(page, out, synthetic=synthetic) for page, out in printed]
    except BaseException:
        _remove(*outputs)
        raise
    return pages[0]


def appendix_step(
    template: str | Path,
    parameters: Mapping[str, Any],
    executed: str | Path,
    html: str | Path,
    analyst: str | Path,
    pdf: str | Path,
    python: str,
    log: str | Path | None = None,
    *,
    synthetic: bool,
    annex_html: str | Path | None = None,
    annex_pdf: str | Path | None = None,
    colophon: str | None = None,
) -> int:
    """The appendix rule in one call: execute the template for one area once, then render the
    committee document and the technical annex (HTML and PDF each) and the analysts' HTML from
    the executed notebook; returns the committee PDF's page count. ``colophon`` (the provenance
    line, ``core.manifest.provenance_line``) ends both documents."""
    render_appendix(template, executed, html, parameters, python, log, annex=annex_html)
    if colophon:
        for page in (html, annex_html):
            if page is not None:
                add_colophon(page, colophon)
    return render_documents(
        executed,
        html,
        analyst,
        pdf,
        synthetic=synthetic,
        annex_html=annex_html,
        annex_pdf=annex_pdf,
    )
