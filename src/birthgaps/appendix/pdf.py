"""The printable appendix: the reviewer HTML turned into an A4 PDF with WeasyPrint.

The PDF is tagged (PDF/UA-1: structure tree with headings, tables and figures with alt text,
document language and title from the page). The HTML page is made print-ready first (the notebook theme's screen CSS removed, figures
flattened onto white, scaled to print resolution and stored as JPEG), then laid out with a print
stylesheet: A4 margins, the area and page number in every footer, the synthetic-data notice in
every header, figures and table rows kept whole. The same page gives the same PDF bytes (no dates
or document identifier are written).
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from birthgaps.core.errors import InputError
from birthgaps.core.provenance import SYNTHETIC_NOTICE

#: The running header of every page of a synthetic release.
DEFAULT_NOTICE = SYNTHETIC_NOTICE

#: The PDF flavour written: PDF/UA-1, a tagged PDF (structure tree, language, title).
PDF_VARIANT = "pdf/ua-1"

#: Widest figure kept, in pixels: about 220 dpi across the 174 mm text width of an A4 page.
MAX_IMAGE_WIDTH = 1500

_STYLE = re.compile(r"<style\b[^>]*>.*?</style>\s*", re.S | re.I)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.S | re.I)
_PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"')

PRINT_CSS = """
@page {
  size: A4;
  margin: 20mm 18mm 22mm 18mm;
  @bottom-left { content: string(area); font: 8pt Arial, Helvetica, sans-serif; color: #3d3d3d; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
                  font: 8pt Arial, Helvetica, sans-serif; color: #3d3d3d; }
}
html { font-family: Arial, Helvetica, sans-serif; font-size: 10pt; line-height: 1.4;
       color: #0b0c0c; }
body { margin: 0; }
h1 { font-size: 18pt; string-set: area content(); margin: 0.4em 0; }
h2 { font-size: 14pt; margin: 1.2em 0 0.4em 0; }
h3 { font-size: 11.5pt; margin: 1em 0 0.3em 0; }
h1, h2, h3, h4 { page-break-after: avoid; break-after: avoid; color: #0b0c0c; }
p, li { orphans: 3; widows: 3; }
a { color: #12436d; text-decoration: none; }
code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
img { max-width: 100%; height: auto; }
figure { page-break-inside: avoid; break-inside: avoid; margin: 0.8em 0 !important; }
figcaption { font-size: 8.5pt; color: #3d3d3d; }
table { max-width: 100%; font-size: 8pt; border-collapse: collapse; }
thead { display: table-header-group; }
tr, caption { page-break-inside: avoid; break-inside: avoid; }
th, td { padding: 2pt 4pt !important; }
caption { text-align: left; font-weight: bold; }
[role="note"] { page-break-inside: avoid; break-inside: avoid; }
.anchor-link { display: none; }
.jp-InputPrompt, .jp-OutputPrompt, .jp-Collapser { display: none; }
"""


class PdfError(InputError):
    """The appendix could not be printed to PDF; names the HTML file and the cause."""


def _print_image(data: bytes, max_width: int) -> bytes:
    """A figure PNG as a JPEG flattened onto white and no wider than ``max_width`` pixels.

    WeasyPrint re-encodes every PNG (and splits out its alpha channel) but passes JPEG through,
    which halves the time to print; quality 92 without chroma subsampling keeps text sharp.
    """
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        opaque = image.mode in ("RGBA", "LA") and image.getchannel("A").getextrema()[0] == 255
        if image.mode in ("RGBA", "LA", "P", "PA") and not opaque:
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
        else:  # matplotlib's figures are opaque RGBA: dropping alpha is enough
            flat = image.convert("RGB")
    factor = -(-flat.width // max_width)  # ceiling: a whole-number reduction is fast
    if factor > 1:
        flat = flat.reduce(factor)
    out = io.BytesIO()
    flat.save(out, format="JPEG", quality=92, subsampling=0)
    return out.getvalue()


def print_ready_html(page: str, *, max_image_width: int = MAX_IMAGE_WIDTH) -> str:
    """The reviewer page for print: screen CSS and scripts removed, figures flattened onto white,
    scaled to print resolution and turned to JPEG."""
    page = _STYLE.sub("", page)
    page = _SCRIPT.sub("", page)

    def shrink(encoded: str) -> str | None:
        try:
            data = base64.b64decode(re.sub(r"\s+", "", encoded), validate=True)
            return base64.b64encode(_print_image(data, max_image_width)).decode("ascii")
        except (binascii.Error, OSError, ValueError):
            return None  # an unreadable image is left for WeasyPrint to report

    found = [m.group(1) for m in _PNG.finditer(page)]
    # Pillow releases the GIL while decoding, so two threads decode two figures at once
    with ThreadPoolExecutor(max_workers=2) as pool:
        printed = dict(zip(found, pool.map(shrink, found), strict=True))

    def replace(match: re.Match[str]) -> str:
        new = printed.get(match.group(1))
        return match.group(0) if new is None else f'src="data:image/jpeg;base64,{new}"'

    page = _PNG.sub(replace, page)
    return page


def print_css(*, synthetic: bool, notice: str = "") -> str:
    """The print stylesheet; a synthetic release also carries its notice at the top of every page."""
    if not synthetic:
        return PRINT_CSS
    text = (notice or DEFAULT_NOTICE).replace("\\", "\\\\").replace('"', '\\"')
    return PRINT_CSS + (
        f'@page {{ @top-left {{ content: "{text}"; font: bold 8pt Arial, Helvetica, sans-serif;'
        " color: #801650; } }\n"
    )


def html_to_pdf(
    html: str | Path,
    pdf: str | Path,
    *,
    synthetic: bool,
    notice: str = "",
    max_image_width: int = MAX_IMAGE_WIDTH,
) -> int:
    """Print the appendix page ``html`` to the A4 PDF ``pdf`` and return its page count.

    Written atomically (a temporary file, then renamed); on failure no PDF is left behind and a
    ``PdfError`` names the page. The same HTML gives the same bytes.
    """
    import weasyprint

    html, pdf = Path(html), Path(pdf)
    if not html.exists():
        raise PdfError("the appendix HTML to print is missing", file=str(html))
    page = print_ready_html(html.read_text(encoding="utf-8"), max_image_width=max_image_width)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf.with_name(pdf.name + ".tmp")
    # WeasyPrint logs every CSS property it does not support; those are not errors here
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        document = weasyprint.HTML(string=page, base_url=str(html.parent)).render(
            stylesheets=[weasyprint.CSS(string=print_css(synthetic=synthetic, notice=notice))]
        )
        # whole fonts: the HarfBuzz font subsetter is not byte-stable from one process to the
        # next here (measured: same HTML, different bytes), and reproducible outputs matter more
        # than the 1.4 MB it saves on a 40-page appendix
        # tagged PDF (PDF/UA-1): headings, tables and figures with their alt text in the
        # structure tree, the language and title from the page, for screen readers
        document.write_pdf(tmp, full_fonts=True, pdf_variant=PDF_VARIANT)
        tmp.replace(pdf)
    except Exception as error:
        for path in (tmp, pdf):
            if path.exists():
                path.unlink()
        raise PdfError(
            f"WeasyPrint could not print the appendix to PDF: {error}",
            file=str(html),
            hint="the PDF was not written",
        ) from error
    return len(document.pages)


def pdf_page_count(pdf: str | Path) -> int:
    """Number of pages of a PDF (pypdfium2)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return len(document)
    finally:
        document.close()
