"""What an appendix section is made of, and how a notebook shows it.

A section function (``birthgaps.appendix.sections``) returns a ``Section``: a title and blocks of
sentences, tables (a DataFrame with caption and notes) and figures (a saved PNG with its alt text).
``show`` displays one in the notebook: headings (with stable ids) and tables as accessible HTML,
sentences as Markdown, figures inline as a light PNG with alt text (and, in the annex, the long
description as text). The notes of a top-level section's tables are printed once, at its end.
Nothing here reads or computes numbers.
"""

from __future__ import annotations

import base64
import html as htmlmod
import io
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.core.provenance import SYNTHETIC_NOTICE

#: What a withheld cell shows.
WITHHELD = "[c]"

#: What a true zero shows (never confused with the withheld marker ``[c]``).
ZERO = "0"

#: Widest figure embedded in a page, in pixels: sharp at the 900 px display width on a
#: high-density screen and about 160 dpi across an A4 text width, yet small enough to keep an
#: area's page under 3 MB with every chart.
WEB_IMAGE_WIDTH = 1100


@dataclass
class Sentences:
    """Sentences shown as a bulleted list (``bullets``) or as paragraphs; ``markdown`` when the
    text is Markdown already (otherwise its Markdown characters are shown as written)."""

    items: list[str]
    bullets: bool = True
    markdown: bool = False
    boxed: bool = False  # shown in a bordered box (the committee document's short notes)


@dataclass
class Table:
    """A table to show: the frame (all text), its caption and the notes printed under it."""

    frame: pd.DataFrame
    caption: str
    notes: str | None = None


@dataclass
class Figure:
    """A saved chart: its PNG and its alt text; ``caption`` a one-line visible caption, and
    ``describe`` whether the alt text is also shown as a visible text description (the annex)."""

    png: Path
    alt: str
    caption: str | None = None
    describe: bool = True


@dataclass
class Notice:
    """A boxed notice (the synthetic-data banner): a bold lead and a sentence."""

    lead: str
    text: str


@dataclass
class Notes:
    """The notes of a section's tables, said once at the section's end."""

    sentences: list[str]


Block = Sentences | Table | Figure | Notice | Notes


@dataclass
class Section:
    """A titled part of the appendix (``level`` 1 to 4) with its blocks and sub-sections in order;
    ``anchor`` the heading's stable id (links point at it)."""

    title: str
    level: int = 3
    blocks: list[Block | Section] = field(default_factory=list)
    anchor: str | None = None


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


def heading_html(title: str, level: int, anchor: str | None = None) -> str:
    """A heading without the notebook's anchor link; ``anchor`` its stable id."""
    ident = f' id="{escape(anchor)}"' if anchor else ""
    return f"<h{level}{ident}>{escape(title)}</h{level}>"


_ZERO = re.compile(r"0(\.0+)?(%)?")


def cell_text(value: object) -> str:
    """A table cell as shown: a true zero (``0``, ``0.0``, ``0.00%``) always as ``ZERO``, the
    withheld marker and every other value as written."""
    text = str(value)
    return ZERO if _ZERO.fullmatch(text.strip()) else text


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
            text = escape(cell_text(row[column]))
            cells.append(f'<{tag}{scope} style="text-align:{align}">{text}</{tag}>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    out = (
        '<table style="border-collapse:collapse;margin:0.5em 0">'
        f'<caption style="text-align:left;font-weight:bold;padding-bottom:0.4em">{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    if footnote:
        out += f'<p style="font-size:0.9em;max-width:60em">{escape(footnote)}</p>'
    return out


@lru_cache(maxsize=64)
def web_png(path: str, mtime_ns: int, max_width: int = WEB_IMAGE_WIDTH) -> bytes:
    """A saved chart as a light PNG for a page: about ``max_width`` pixels wide at most, flattened
    onto white and reduced to a 256-colour palette (charts are flat colour, so nothing visible is
    lost; a 300-dpi chart goes from about 400 kB to about 35 kB). Same file, same bytes.

    The full-size image is only decoded and shrunk by a whole factor (fast); a factor that would
    leave it much narrower than ``max_width`` is replaced by a smaller one and a resample."""
    from PIL import Image

    with Image.open(path) as image:
        if image.mode == "P" and image.width <= max_width and "transparency" not in image.info:
            # the figures rule's own output: already flat, a palette and the right width
            return Path(path).read_bytes()
        image.load()
        small = image
        if image.width > max_width:
            factor = -(-image.width // max_width)  # ceiling
            if image.width // factor < 0.75 * max_width:
                factor -= 1
            small = image.reduce(factor) if factor > 1 else image
            if small.width > max_width:
                height = max(1, round(small.height * max_width / small.width))
                small = small.resize((max_width, height), Image.Resampling.BILINEAR)
    if small.mode in ("RGBA", "LA", "PA", "P"):
        rgba = small.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = small.convert("RGB")
    out = io.BytesIO()
    flat.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(out, format="PNG")
    return out.getvalue()


def _figures(parts: list) -> list[Figure]:
    found: list[Figure] = []
    for part in parts:
        if isinstance(part, Figure):
            found.append(part)
        elif isinstance(part, Section):
            found += _figures(part.blocks)
    return found


def prepare_figures(*parts: Section | Block | None) -> None:
    """Make the light PNGs (``web_png``) of every figure in ``parts`` two at a time (Pillow
    decodes and shrinks without holding the interpreter), so showing them waits less."""
    from concurrent.futures import ThreadPoolExecutor

    paths = {str(f.png): Path(f.png).stat().st_mtime_ns for f in _figures(list(parts))}
    if len(paths) > 1:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(web_png, paths, paths.values()))


def figure_html(figure: Figure) -> str:
    """A figure embedded as a light base64 PNG (``web_png``) with its alt text, its one-line
    caption if any, and (``describe``) the alt text as a visible description."""
    path = Path(figure.png)
    data = base64.b64encode(web_png(str(path), path.stat().st_mtime_ns)).decode("ascii")
    caption = f"<p>{escape(figure.caption)}</p>" if figure.caption else ""
    details = (
        "<details><summary>Text description of this chart</summary>"
        f"<p>{escape(figure.alt)}</p></details>"
        if figure.describe
        else ""
    )
    inner = f"<figcaption>{caption}{details}</figcaption>" if caption or details else ""
    return (
        '<figure style="margin:1em 0">'
        f'<img src="data:image/png;base64,{data}" alt="{escape(figure.alt)}" '
        f'style="max-width:100%;height:auto;width:900px">{inner}</figure>'
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


_SENTENCE_END = re.compile(r"(?<=[.)])\s+(?=[A-Z(])")


def _tables(section: Section) -> list[Table]:
    found: list[Table] = []
    for part in section.blocks:
        if isinstance(part, Table):
            found.append(part)
        elif isinstance(part, Section):
            found += _tables(part)
    return found


def _without_notes(part: Section | Block) -> Section | Block:
    if isinstance(part, Table):
        return replace(part, notes="")
    if isinstance(part, Section):
        return replace(part, blocks=[_without_notes(b) for b in part.blocks])
    return part


def notes_once(section: Section) -> Section:
    """The section with its tables' notes printed once, at its end: each sentence of every
    table's note once, in order of first use (a marker's meaning is said once, not under each
    table). A section without tables is returned as it is."""
    tables = _tables(section)
    sentences: list[str] = []
    for table in tables:
        note = table.notes if table.notes is not None else table.frame.attrs.get("footnote")
        for sentence in _SENTENCE_END.split(note or ""):
            if sentence.strip() and sentence.strip() not in sentences:
                sentences.append(sentence.strip())
    if not tables or not sentences:
        return section
    stripped = _without_notes(section)
    return replace(stripped, blocks=[*stripped.blocks, Notes(sentences)])


def notes_html(notes: Notes) -> str:
    """The notes of a section as one labelled paragraph."""
    return (
        '<div role="note" aria-label="Notes to the tables" class="table-notes" '
        'style="font-size:0.9em;max-width:60em;border-top:1px solid #b1b4b6;margin-top:0.8em">'
        f"<p><strong>Notes to the tables.</strong> {escape(' '.join(notes.sentences))}</p></div>"
    )


def block_html(part: Section | Block) -> str:
    """A section or block as HTML: headings, sentences as a list or paragraphs, tables, figures
    and notices (the page ``show`` gives, for tests and for pages made without a notebook;
    Markdown sentences are shown as their source text)."""
    if isinstance(part, Section):
        heading = heading_html(part.title, part.level, part.anchor) if part.title else ""
        return heading + "".join(block_html(b) for b in part.blocks)
    if isinstance(part, Notes):
        return notes_html(part)
    if isinstance(part, Sentences):
        if not part.items:
            return ""
        if part.bullets:
            text = "<ul>" + "".join(f"<li>{escape(s)}</li>" for s in part.items) + "</ul>"
        else:
            text = "".join(f"<p>{escape(s)}</p>" for s in part.items)
        if part.boxed:
            return (
                '<div class="box" style="border:2px solid #12436d;padding:0.2em 1em;'
                f'margin:0.5em 0 1em 0;max-width:60em">{text}</div>'
            )
        return text
    if isinstance(part, Table):
        return table_html(part.frame, part.caption, part.notes)
    if isinstance(part, Figure):
        return figure_html(part)
    if isinstance(part, Notice):
        return notice_html(part)
    raise TypeError(f"cannot show a {type(part).__name__}")


def show(*parts: Section | Block | None, _nested: bool = False) -> None:
    """Display sections and blocks in the running notebook, in order (``None`` is skipped):
    sentences as Markdown, headings, tables, figures and notices as HTML. The notes of each
    section given here are printed once, at its end (``notes_once``)."""
    from IPython.display import HTML, Markdown, display

    if not _nested:
        prepare_figures(*parts)
    for part in parts:
        if part is None:
            continue
        if isinstance(part, Section):
            if not _nested:
                part = notes_once(part)
            if part.title:
                display(HTML(heading_html(part.title, part.level, part.anchor)))
            show(*part.blocks, _nested=True)
        elif isinstance(part, Sentences):
            if part.items and part.boxed:
                display(HTML(block_html(part)))
            elif part.items:
                display(Markdown(sentences_markdown(part)))
        else:
            display(HTML(block_html(part)))
