"""The printed appendix: page count, no blank page, text layer, determinism and the final scan; the
committee document and the technical annex as tagged PDF (structure tree, language, title, headings,
a figure with alt text for every image), the committee document short and both pages light."""

from __future__ import annotations

import base64
import html as htmlmod
import io
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image
from support.appendix import AREA, AREA_NAME, pdf_structure

from birthgaps.appendix import findings, pdf
from birthgaps.appendix import inputs as reading
from birthgaps.appendix import notebook as rendering
from birthgaps.core.provenance import SYNTHETIC_NOTICE
from birthgaps.publish.scan import nhs_check_digit_valid, scan_published

pypdfium2 = pytest.importorskip("pypdfium2")
pytest.importorskip("weasyprint")

RULES = {
    "suppress_min": 1,
    "suppress_max": 7,
    "rounding_base": 5,
    "last_birth_date": "2024-12-31",
    "allowed_dates": ["2019-01-01", "2024-12-31"],
}
#: Page margins of the print stylesheet (top, bottom) in mm; the body lies between them.
TOP_MM, BOTTOM_MM, PAGE_MM = 20, 22, 297


@pytest.fixture(scope="module")
def printed(rendered) -> dict:
    """Northbrook's reviewer HTML printed once; its page count and per-page text."""
    out = rendered["html"].with_suffix(".pdf")
    pages = rendering.render_appendix_pdf(rendered["html"], out, synthetic=True)
    document = pypdfium2.PdfDocument(str(out))
    texts = [_words(page.get_textpage().get_text_range()) for page in document]
    document.close()
    return {"pdf": out, "pages": pages, "texts": texts, "html": rendered["html"]}


def _words(text: str) -> str:
    """Text with every run of whitespace (line breaks of the layout) made one space."""
    return re.sub(r"\s+", " ", text).strip()


def _body_pixels(path, index: int) -> np.ndarray:
    """Greyscale pixels of one page's body: the page without its header and footer margins."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        image = document[index].render(scale=0.5, grayscale=True).to_numpy()
    finally:
        document.close()
    grey = image if image.ndim == 2 else image[..., 0]
    height = grey.shape[0]
    return grey[int(height * TOP_MM / PAGE_MM) : int(height * (PAGE_MM - BOTTOM_MM) / PAGE_MM)]


def _ink(body: np.ndarray) -> int:
    """Number of clearly dark pixels (text, lines, chart marks) in a page body."""
    return int((body < 200).sum())


def test_pdf_has_the_expected_pages(printed):
    assert printed["pages"] > 3
    assert printed["pages"] == pdf.pdf_page_count(printed["pdf"]) == len(printed["texts"])
    # every page is numbered "Page n of N" in its footer
    total = printed["pages"]
    for number, text in enumerate(printed["texts"], start=1):
        assert f"Page {number} of {total}" in text, number


def test_no_page_is_blank(printed):
    for index in range(printed["pages"]):
        body = _body_pixels(printed["pdf"], index)
        assert _ink(body) >= 50 and body.std() > 2.0, f"page {index + 1} has nothing in its body"


def test_blank_page_check_can_fail(tmp_path):
    html = tmp_path / "blank.html"
    html.write_text(
        '<html><body><p>First page of text.</p><p style="page-break-before:always"></p></body></html>'
    )
    pages = pdf.html_to_pdf(html, tmp_path / "blank.pdf", synthetic=True)
    assert pages == 2
    assert _ink(_body_pixels(tmp_path / "blank.pdf", 0)) >= 50
    assert _ink(_body_pixels(tmp_path / "blank.pdf", 1)) == 0  # header and footer only


def test_text_layer_has_area_banner_and_a_figure_title(printed, published, documents):  # noqa: F811
    first = printed["texts"][0]
    assert SYNTHETIC_NOTICE.rstrip(".") in first  # the banner on the first page
    assert AREA_NAME in first and "Key messages" in first
    for number, text in enumerate(printed["texts"], start=1):
        assert "SYNTHETIC DATA" in text, f"page {number} lacks the running notice"
    # the committee document: a one-line caption under each chart, not its long description
    committee = " ".join(printed["texts"])
    assert f"Preterm birth in {AREA_NAME} by deprivation fifth" in committee
    rates = reading.read_rates(published["rates_csv"])
    title = findings.group_finding(rates, AREA, "preterm", "year")
    assert title
    # the annex prints each chart's long description, which starts with the chart's finding
    document = pypdfium2.PdfDocument(str(documents["annex"]["pdf"]))
    annex = " ".join(_words(page.get_textpage().get_text_range()) for page in document)
    document.close()
    assert title in annex


def test_print_ready_html_keeps_every_figure_and_its_alt_text(rendered):  # noqa: F811
    page = rendered["html"].read_text(encoding="utf-8")
    ready = pdf.print_ready_html(page)
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', page)
    assert re.findall(r'<img [^>]*alt="([^"]*)"', ready) == alts
    assert ready.count("data:image/jpeg;base64,") == len(alts) > 0
    assert "data:image/png;base64," not in ready
    assert "<style" not in ready and "<script" not in ready
    first = re.search(r"data:image/jpeg;base64,([^\"]+)", ready).group(1)
    with Image.open(io.BytesIO(base64.b64decode(first))) as image:
        assert image.mode == "RGB" and image.width <= pdf.MAX_IMAGE_WIDTH  # print resolution


def test_same_page_gives_the_same_pdf_bytes(printed, tmp_path):
    again = tmp_path / "again.pdf"
    pdf.html_to_pdf(printed["html"], again, synthetic=True)
    assert again.read_bytes() == printed["pdf"].read_bytes()
    assert b"/CreationDate" not in again.read_bytes()


def test_real_release_has_no_synthetic_header(tmp_path):
    html = tmp_path / "real.html"
    html.write_text("<html><body><h1>Eastmere</h1><p>Text.</p></body></html>")
    pdf.html_to_pdf(html, tmp_path / "real.pdf", synthetic=False)
    document = pypdfium2.PdfDocument(str(tmp_path / "real.pdf"))
    text = _words(document[0].get_textpage().get_text_range())
    document.close()
    assert "SYNTHETIC" not in text and "Eastmere" in text and "Page 1 of 1" in text


def test_missing_html_is_a_clear_error(tmp_path):
    with pytest.raises(pdf.PdfError, match="missing"):
        pdf.html_to_pdf(tmp_path / "nope.html", tmp_path / "nope.pdf", synthetic=True)
    assert not (tmp_path / "nope.pdf").exists()


def test_scan_passes_on_a_tree_with_the_pdf(printed, tmp_path):
    root = tmp_path / "published"
    (root / "appendix").mkdir(parents=True)
    shutil.copy(printed["pdf"], root / "appendix" / f"{AREA}.pdf")
    findings = scan_published(root, rules=RULES, restricted=None)
    assert findings.empty, findings.to_string()


def test_scan_reads_the_pdf_text_and_catches_an_identifier(tmp_path):
    number = "9434765919"
    assert nhs_check_digit_valid(number)
    html = tmp_path / "leak.html"
    html.write_text(f"<html><body><p>Baby NHS number {number}</p></body></html>")
    root = tmp_path / "published"
    pdf.html_to_pdf(html, root / "leak.pdf", synthetic=True)
    findings = scan_published(root, rules=RULES, restricted=None)
    assert not findings.empty
    assert set(findings["file"]) == {"leak.pdf"}
    assert number not in findings.to_string()  # masked


# ----------------------------------------------------------------------------- tagged PDF, sizes

#: Limits of issue 11: the committee document's pages, and each page's HTML size.
MAX_COMMITTEE_PAGES = 12
MAX_HTML_BYTES = 3_000_000


@pytest.fixture(scope="module")
def documents(rendered, tmp_path_factory) -> dict:
    """The committee document (``committee``) and the technical annex (``annex``) printed once:
    each part's page, PDF and the PDF's structure as a screen reader gets it."""
    out = tmp_path_factory.mktemp("documents")
    found = {}
    for part, key in (("committee", "html"), ("annex", "annex")):
        page = rendered[key]
        printed_pdf = out / f"{page.stem}.pdf"
        pdf.html_to_pdf(page, printed_pdf, synthetic=True)
        found[part] = {"html": page, "pdf": printed_pdf, "structure": pdf_structure(printed_pdf)}
    return found


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", htmlmod.unescape(text)).strip()


@pytest.mark.parametrize("part", ["committee", "annex"])
def test_pdf_is_tagged_with_language_title_headings_and_alt_text(documents, part):
    document = documents[part]
    structure, page = document["structure"], document["html"].read_text(encoding="utf-8")
    assert structure["tagged"]
    assert structure["lang"] == "en-GB"
    title = _plain(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
    assert structure["title"] == title and AREA_NAME in title
    types = [kind for kind, _ in structure["elements"]]
    assert types.count("H1") == 1 and types.count("H2") >= 4
    assert types.index("H1") < types.index("H2")
    # one Figure element with alt text for every image drawn, the alt text of the page's img
    figures = [_plain(alt) for kind, alt in structure["elements"] if kind == "Figure"]
    alts = [_plain(alt) for alt in re.findall(r'<img [^>]*alt="([^"]*)"', page)]
    assert len(figures) == len(alts) == structure["images"] > 0
    assert all(figures) and sorted(figures) == sorted(alts)


def test_structure_check_can_fail(tmp_path):
    import weasyprint

    untagged = tmp_path / "untagged.pdf"
    weasyprint.HTML(
        string='<html><body><h1>T</h1><img alt="x" src="missing.png"></body></html>'
    ).write_pdf(untagged)
    structure = pdf_structure(untagged)
    assert not structure["tagged"] and structure["lang"] == "" and structure["elements"] == []


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils is not installed")
def test_pdfinfo_reads_the_structure_tree(documents):
    for document in documents.values():
        info = subprocess.run(
            ["pdfinfo", str(document["pdf"])], capture_output=True, text=True, check=True
        ).stdout
        assert re.search(r"^Tagged:\s+yes$", info, re.M), info
        tree = subprocess.run(
            ["pdfinfo", "-struct", str(document["pdf"])], capture_output=True, text=True, check=True
        ).stdout
        kinds = {line.split()[0].rstrip(":") for line in tree.splitlines() if line.strip()}
        assert {"H1", "H2", "Figure", "P"} <= kinds


def test_committee_document_is_short_and_both_pages_are_light(documents):
    assert documents["committee"]["structure"]["pages"] <= MAX_COMMITTEE_PAGES
    assert documents["annex"]["structure"]["pages"] > documents["committee"]["structure"]["pages"]
    for part, document in documents.items():
        assert document["html"].stat().st_size <= MAX_HTML_BYTES, part
