"""What an appendix section is made of, and how a notebook shows it.

A section function (``birthgaps.appendix.sections``) returns a ``Section``: a title and blocks of
sentences, tables (a DataFrame with caption and notes) and figures (a saved PNG with its alt text).
``show`` displays one in the notebook: headings and tables as accessible HTML, sentences as
Markdown, figures inline with their text description. Nothing here reads or computes numbers.
"""

from __future__ import annotations

import base64
import html as htmlmod
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.core.provenance import SYNTHETIC_NOTICE

#: What a withheld cell shows.
WITHHELD = "[c]"


@dataclass
class Sentences:
    """Sentences shown as a bulleted list (``bullets``) or as paragraphs; ``markdown`` when the
    text is Markdown already (otherwise its Markdown characters are shown as written)."""

    items: list[str]
    bullets: bool = True
    markdown: bool = False


@dataclass
class Table:
    """A table to show: the frame (all text), its caption and the notes printed under it."""

    frame: pd.DataFrame
    caption: str
    notes: str | None = None


@dataclass
class Figure:
    """A saved chart: its PNG and its alt text (also shown as a text description)."""

    png: Path
    alt: str


@dataclass
class Notice:
    """A boxed notice (the synthetic-data banner): a bold lead and a sentence."""

    lead: str
    text: str


Block = Sentences | Table | Figure | Notice


@dataclass
class Section:
    """A titled part of the appendix (``level`` 1 to 4) with its blocks and sub-sections in order."""

    title: str
    level: int = 3
    blocks: list[Block | Section] = field(default_factory=list)


def escape(text: object) -> str:
    """Text made safe for HTML (quotes included)."""
    return htmlmod.escape(str(text), quote=True)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def markdown_escape(text: object) -> str:
    """Text whose Markdown characters are shown as written (``[c]`` stays ``[c]``)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def sentences_markdown(block: Sentences) -> str:
    """The sentences as Markdown: a bulleted list or paragraphs."""
    items = block.items if block.markdown else [markdown_escape(s) for s in block.items]
    return "\n".join(f"- {s}" for s in items) if block.bullets else "\n\n".join(items)


def synthetic_notice() -> Notice:
    """The banner at the top of every page of a synthetic release."""
    return Notice(
        SYNTHETIC_NOTICE,
        "Every number on this page comes from a generated demonstration release; it must not be "
        "quoted as evidence about any real place.",
    )


def notice_html(notice: Notice) -> str:
    """A notice as a visible, labelled box."""
    return (
        '<div role="note" aria-label="Synthetic data" style="border:3px solid #801650;'
        "background:#fbeaf1;color:#1a1a1a;padding:0.8em 1em;margin:0.5em 0 1em 0;"
        f'font-size:1.1em"><strong>{escape(notice.lead)}</strong> {escape(notice.text)}</div>'
    )


def heading_html(title: str, level: int) -> str:
    """A heading without the notebook's anchor link."""
    return f"<h{level}>{escape(title)}</h{level}>"


def table_html(table: pd.DataFrame, caption: str, footnote: str | None = None) -> str:
    """An accessible HTML table: caption, column headers, row headers, numbers right-aligned."""
    footnote = footnote if footnote is not None else table.attrs.get("footnote")
    columns = list(table.columns)
    numeric = [
        all(
            re.fullmatch(r"[\d,.\scux%–-]*(to [\d.]+)?|\[c\]", str(v) or WITHHELD)
            for v in table[col]
        )
        for col in columns
    ]
    head = "".join(
        f'<th scope="col" style="text-align:{"right" if n else "left"}">{escape(c)}</th>'
        for c, n in zip(columns, numeric, strict=True)
    )
    body = []
    for _, row in table.iterrows():
        cells = []
        for i, (column, n) in enumerate(zip(columns, numeric, strict=True)):
            align = "right" if n else "left"
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            cells.append(f'<{tag}{scope} style="text-align:{align}">{escape(row[column])}</{tag}>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    out = (
        '<table style="border-collapse:collapse;margin:0.5em 0">'
        f'<caption style="text-align:left;font-weight:bold;padding-bottom:0.4em">{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    if footnote:
        out += f'<p style="font-size:0.9em;max-width:60em">{escape(footnote)}</p>'
    return out


def figure_html(figure: Figure) -> str:
    """A figure embedded as base64 PNG with its alt text, and the text as a visible description."""
    data = base64.b64encode(Path(figure.png).read_bytes()).decode("ascii")
    return (
        '<figure style="margin:1em 0">'
        f'<img src="data:image/png;base64,{data}" alt="{escape(figure.alt)}" '
        'style="max-width:100%;height:auto;width:900px">'
        "<figcaption><details><summary>Text description of this chart</summary>"
        f"<p>{escape(figure.alt)}</p></details></figcaption></figure>"
    )


def figure_block(figures_dir: str | Path, stem: str) -> Figure:
    """The saved figure ``stem`` of a figures folder with its alt text; an ``InputError`` when
    the PNG or its text is missing."""
    png = Path(figures_dir) / f"{stem}.png"
    txt = Path(figures_dir) / f"{stem}.txt"
    for path in (png, txt):
        if not path.exists():
            raise InputError(
                "a figure file is missing",
                file=str(path),
                hint="run the figures rule for this area",
            )
    return Figure(png, txt.read_text(encoding="utf-8").strip())


def block_html(part: Section | Block) -> str:
    """A section or block as HTML: headings, sentences as a list or paragraphs, tables, figures
    and notices (the page ``show`` gives, for tests and for pages made without a notebook;
    Markdown sentences are shown as their source text)."""
    if isinstance(part, Section):
        heading = heading_html(part.title, part.level) if part.title else ""
        return heading + "".join(block_html(b) for b in part.blocks)
    if isinstance(part, Sentences):
        if not part.items:
            return ""
        if part.bullets:
            return "<ul>" + "".join(f"<li>{escape(s)}</li>" for s in part.items) + "</ul>"
        return "".join(f"<p>{escape(s)}</p>" for s in part.items)
    if isinstance(part, Table):
        return table_html(part.frame, part.caption, part.notes)
    if isinstance(part, Figure):
        return figure_html(part)
    if isinstance(part, Notice):
        return notice_html(part)
    raise TypeError(f"cannot show a {type(part).__name__}")


def show(*parts: Section | Block | None) -> None:
    """Display sections and blocks in the running notebook, in order (``None`` is skipped):
    sentences as Markdown, headings, tables, figures and notices as HTML."""
    from IPython.display import HTML, Markdown, display

    for part in parts:
        if part is None:
            continue
        if isinstance(part, Section):
            if part.title:
                display(HTML(heading_html(part.title, part.level)))
            show(*part.blocks)
        elif isinstance(part, Sentences):
            if part.items:
                display(Markdown(sentences_markdown(part)))
        else:
            display(HTML(block_html(part)))
