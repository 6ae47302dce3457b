"""The reviewer appendix as a person sees it: rendered in headless Chromium, figures decoded and
shown with their alt text, every table laid out, and a page that is not blank; the committee
document opens with its title and the key messages, on the first screen."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.appendix import AREA_NAME, appendix_parameters

from birthgaps.appendix import messages
from birthgaps.appendix.blocks import Section, Sentences
from birthgaps.appendix.inputs import load_appendix_inputs

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed")

#: Run once the page has loaded: record on each image and table whether the browser shows it.
_PROBE = """<script>
window.addEventListener("load", function () {
  document.querySelectorAll("img").forEach(function (img) {
    img.setAttribute("data-shown", (img.complete && img.naturalWidth > 0
      && img.getBoundingClientRect().height > 0) ? "yes" : "no");
  });
  document.querySelectorAll("table").forEach(function (table) {
    table.setAttribute("data-shown", (table.getBoundingClientRect().height > 0
      && table.rows.length > 1) ? "yes" : "no");
  });
  document.body.setAttribute("data-probed", "yes");
});
</script>"""


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


class _Elements(HTMLParser):
    """Every img (its attributes) and table (its attributes) of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict] = []
        self.tables: list[dict] = []
        self.body: dict = {}

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag == "table":
            self.tables.append(dict(attrs))
        elif tag == "body":
            self.body = dict(attrs)


def _elements(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def dom(rendered, tmp_path_factory) -> dict:
    """The DOM after Chromium has loaded a probed copy of the technical annex (every chart and
    table; source unchanged)."""
    work = tmp_path_factory.mktemp("browser")
    source = rendered["annex"].read_text(encoding="utf-8")
    probed = work / "probed.html"
    probed.write_text(source.replace("</body>", _PROBE + "</body>", 1), encoding="utf-8")
    result = _chromium(
        "--virtual-time-budget=10000", "--dump-dom", probed.as_uri(), profile=work / "profile"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {"source": _elements(source), "after": _elements(result.stdout), "text": result.stdout}


def test_browser_ran_the_page(dom):
    assert dom["after"].body.get("data-probed") == "yes"
    assert AREA_NAME in dom["text"]
    assert "SYNTHETIC DATA" in dom["text"]


def test_every_figure_is_shown_with_alt_text(dom, published):  # noqa: F811
    images = dom["after"].images
    alt_files = sorted(published["figures_dir"].glob("*.txt"))
    assert len(images) == len(dom["source"].images) == len(alt_files) > 0
    for image in images:
        assert (image.get("alt") or "").strip(), "an image has no alt text"
        assert image.get("data-shown") == "yes", image.get("alt", "")[:80]
    alts = {re.sub(r"\s+", " ", image["alt"]).strip() for image in images}
    for alt_file in alt_files:
        text = re.sub(r"\s+", " ", alt_file.read_text(encoding="utf-8")).strip()
        assert text in alts, alt_file.name


def test_every_table_is_shown(dom):
    tables = dom["after"].tables
    assert len(tables) == len(dom["source"].tables) > 0
    assert all(table.get("data-shown") == "yes" for table in tables)


def test_probe_can_fail(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        '<html lang="en"><body><img src="missing.png" alt="A chart">'
        '<table style="display:none"><tr><td>1</td></tr><tr><td>2</td></tr></table>'
        + _PROBE
        + "</body></html>"
    )
    result = _chromium(
        "--virtual-time-budget=5000", "--dump-dom", page.as_uri(), profile=tmp_path / "p"
    )
    after = _elements(result.stdout)
    assert [i.get("data-shown") for i in after.images] == ["no"]
    assert [t.get("data-shown") for t in after.tables] == ["no"]


def _screenshot(page: Path, out: Path, profile: Path) -> np.ndarray:
    result = _chromium(
        "--window-size=1280,2400",
        "--virtual-time-budget=10000",
        f"--screenshot={out}",
        page.as_uri(),
        profile=profile,
    )
    assert result.returncode == 0 and out.exists(), result.stderr[-2000:]
    with Image.open(out) as image:
        return np.asarray(image.convert("L"))


def test_page_is_not_blank_in_a_screenshot(rendered, tmp_path):  # noqa: F811
    pixels = _screenshot(rendered["html"], tmp_path / "shot.png", tmp_path / "profile")
    assert pixels.shape == (2400, 1280)
    assert pixels.std() > 5.0
    assert int((pixels < 128).sum()) > 5000  # text and chart marks, not a faint tint


def test_screenshot_check_can_fail(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text('<html lang="en"><body style="background:#fff"></body></html>')
    pixels = _screenshot(page, tmp_path / "empty.png", tmp_path / "profile")
    assert pixels.std() == 0


# ----------------------------------------------------------------------------- committee document

#: Run once the committee page has loaded: where the key messages' heading is on the screen.
_KEY_PROBE = """<script>
window.addEventListener("load", function () {
  var heading = document.getElementById("%s");
  document.body.setAttribute("data-key-top",
    heading ? String(Math.round(heading.getBoundingClientRect().top)) : "none");
});
</script>"""

#: Height of the first screen of a laptop, in CSS pixels.
FIRST_SCREEN = 900


class _VisibleText(HTMLParser):
    """The text a reader sees in the body, in order (no script, style or head)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self._in_body = True
        elif tag in {"script", "style", "template"}:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"}:
            self._hidden -= 1

    def handle_data(self, data):
        if self._in_body and not self._hidden:
            self.parts.append(data)


def _visible_text(page: str) -> str:
    """The text a reader sees; the text of an element is joined to its neighbours with a space,
    so a space before closing punctuation or after an opening bracket (``(see <a>Trends</a>)``)
    is dropped to read as the page does."""
    parser = _VisibleText()
    parser.feed(page)
    text = re.sub(r"\s+", " ", " ".join(parser.parts)).replace("¶", "").strip()
    return re.sub(r"\(\s+", "(", re.sub(r"\s+([).,;:])", r"\1", text))


def _sentences(section: Section) -> list[str]:
    """Every sentence of a section and its sub-sections, in order."""
    found: list[str] = []
    for block in section.blocks:
        if isinstance(block, Sentences):
            found += [str(item) for item in block.items]
        elif isinstance(block, Section):
            found += _sentences(block)
    return found


def _plain_message(message: str) -> str:
    """A message as read on the page: Markdown links and emphasis reduced to their text."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", message)
    return _visible_text(f"<body>{text.replace('**', '').replace('`', '')}</body>")


@pytest.fixture(scope="module")
def committee(rendered, published, tmp_path_factory) -> dict:
    """The committee page after Chromium has loaded it (at a laptop's width), its visible text,
    the key messages the page should open with and a screenshot's pixels."""
    work = tmp_path_factory.mktemp("committee")
    anchor = messages.SECTION_ANCHORS.get("key_messages", "key-messages")
    source = rendered["html"].read_text(encoding="utf-8")
    probed = work / "probed.html"
    probed.write_text(source.replace("</body>", _KEY_PROBE % anchor + "</body>", 1), "utf-8")
    result = _chromium(
        "--window-size=1280,900",
        "--virtual-time-budget=10000",
        "--dump-dom",
        probed.as_uri(),
        profile=work / "profile",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    inputs = load_appendix_inputs(**appendix_parameters(published))
    expected = [_plain_message(m) for m in _sentences(messages.key_messages(inputs))]
    pixels = _screenshot(rendered["html"], work / "committee.png", work / "shot")
    return {
        "dom": result.stdout,
        "text": _visible_text(result.stdout),
        "messages": expected,
        "pixels": pixels,
    }


def test_committee_page_opens_with_the_title_and_the_key_messages(committee):
    text = committee["text"]
    # the title names what the fake release covers, mortality first as in the key messages
    title = (
        f"{AREA_NAME}: inequalities in infant mortality, preterm birth, low birth weight and "
        "emergency caesarean section"
    )
    start = text.index(title)
    # only the synthetic-data banner comes before the title
    assert text[:start].strip().startswith("SYNTHETIC DATA") and start < 300
    heading = text.index("Key messages", start)
    # nothing but the release line between the title and the key messages
    assert heading - start < len(title) + 250
    positions = [text.index(message, heading) for message in committee["messages"]]
    assert positions == sorted(positions) and len(positions) >= 1
    # the messages come before every other section of the page (the first chart section's name
    # is also the words of some messages' links, so look for it after the last message)
    last = positions[-1] + len(committee["messages"][-1])
    assert text.find("Level and trend", last) >= last
    assert text.index("Data and methods") >= last


def test_key_messages_are_on_the_first_screen(committee):
    body = _elements(committee["dom"]).body
    top = body.get("data-key-top")
    assert top not in (None, "none")
    assert 0 < int(top) < FIRST_SCREEN


def test_committee_screenshot_is_not_blank(committee):
    pixels = committee["pixels"]
    assert pixels.std() > 5.0 and int((pixels < 128).sum()) > 5000


def test_committee_charts_keep_their_description_as_alt_text_only(committee):
    images = _elements(committee["dom"]).images
    assert 6 <= len(images) <= 8
    assert all((image.get("alt") or "").strip() for image in images)
    assert "Text description of this chart" not in committee["text"]
    for image in images:  # the long description is not printed as body text
        assert re.sub(r"\s+", " ", image["alt"]).strip() not in committee["text"]
