"""The index page's area finder (issue 13): areas grouped by region and sorted by name, codes
shown, a labelled search box; the whole list without JavaScript, filtered with it (headless
Chromium, skipped when absent)."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from birthgaps.appendix.index import write_index

CHROMIUM = Path("/usr/bin/chromium")
AREAS = {
    "E06000016": "Leicester",
    "E09000025": "Newham",
    "E06000017": "Rutland",
    "E09000002": "Barking and Dagenham",
    "X06000001": "Northbrook",
}
REGIONS = {
    "E06000016": "East Midlands",
    "E06000017": "East Midlands",
    "E09000025": "London",
    "E09000002": "London",
}


def _write(tmp_path: Path, regions: dict | None = REGIONS) -> str:
    docs = {code: str(tmp_path / "appendix" / f"{code}.html") for code in AREAS}
    out = tmp_path / "index.html"
    write_index(
        "national", "England-like", AREAS, docs, True, out, produced="5 December 2026",
        birthgaps_version="0.13.0", regions=regions,
    )  # fmt: skip
    return out.read_text(encoding="utf-8")


class _Page(HTMLParser):
    """Headings, list items (their data-search and hidden state) and the search input."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.items: list[dict] = []
        self.inputs: list[dict] = []
        self.labels: list[dict] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h3":
            self._in = "h3"
        elif tag == "li":
            self.items.append(attrs)
        elif tag == "input":
            self.inputs.append(attrs)
        elif tag == "label":
            self.labels.append(attrs)

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "h3":
            self.headings.append(data.strip())


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def test_areas_grouped_by_region_sorted_by_name_with_codes(tmp_path):
    page = _write(tmp_path)
    parsed = _parse(page)
    assert parsed.headings == ["East Midlands", "London", "Areas"]
    order = [item["data-search"] for item in parsed.items]
    assert order == [
        "leicester e06000016",
        "rutland e06000017",
        "barking and dagenham e09000002",
        "newham e09000025",
        "northbrook x06000001",
    ]
    for code in AREAS:  # every area's document is linked and its code shown, without JavaScript
        assert f'href="appendix/{code}.html"' in page and f"({code})" in page


def test_search_box_is_labelled_and_of_type_search(tmp_path):
    parsed = _parse(_write(tmp_path))
    (box,) = parsed.inputs
    assert box["type"] == "search" and box["id"] == "area-search"
    assert any(label.get("for") == "area-search" for label in parsed.labels)


def test_without_regions_one_list_and_no_headings(tmp_path):
    parsed = _parse(_write(tmp_path, regions=None))
    assert parsed.headings == [] and len(parsed.items) == len(AREAS)


def _filtered(tmp_path: Path, words: str) -> str:
    """The DOM after Chromium typed ``words`` into the box (an input event, as a keyboard does)."""
    page = _write(tmp_path)
    typing = (
        '<script>window.addEventListener("load", function () {'
        'var box = document.getElementById("area-search"); box.focus();'
        f'box.value = "{words}"; box.dispatchEvent(new Event("input"));'
        'document.body.setAttribute("data-typed", "yes");});</script>'
    )
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", typing + "</body>", 1), encoding="utf-8")
    result = subprocess.run(
        [
            str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000", "--dump-dom", probed.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'data-typed="yes"' in result.stdout
    return result.stdout


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed")
@pytest.mark.parametrize(
    ("words", "shown"), [("leic", {"E06000016"}), ("E09000", {"E09000025", "E09000002"})]
)
def test_typing_filters_the_list_in_a_browser(tmp_path, words, shown):
    dom = _filtered(tmp_path, words)
    items = re.findall(r'<li data-search="[^"]*? (\w+)"( hidden="")?', dom)
    assert len(items) == len(AREAS)
    assert {code.upper() for code, hidden in items if not hidden} == shown
    assert 'id="area-finder" class="finder" hidden' not in dom  # the box is shown with JS
    assert f"{len(shown)} area" in dom


def test_regions_come_from_the_area_region_map():
    """The index rule reads ``comparators.regions``: the shipped map places Leicester."""
    from support import REPO

    from birthgaps.stats.run_comparators import area_regions

    regions = area_regions(REPO / "resources/comparators/lad_region.csv")
    assert regions["E06000016"] == "East Midlands" and regions["E09000025"] == "London"
