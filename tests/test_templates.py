"""Appendix templates: a council's own template reuses the section functions in its own order, and
every method statement follows the release's disclosure and statistics settings."""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support.fakes import fake_outcomes_table

from birthgaps.appendix import blocks, figures, notes, sections, wording
from birthgaps.appendix import inputs as reading
from birthgaps.appendix import notebook as rendering
from birthgaps.core.settings import load_config, resolve_disclosure

REPO = Path(__file__).resolve().parents[1]
MAIN = REPO / "notebooks" / "area_appendix.ipynb"
SHORT = REPO / "notebooks" / "examples" / "short_appendix.ipynb"
AREA, AREA_NAME = "X06000001", "Northbrook"
TABLES = (
    "rates",
    "outcomes",
    "models",
    "flow",
    "trends",
    "inequality",
    "funnel",
    "risk_ratios",
    "interaction",
    "stratified",
    "excess_explained",
    "model_fit",
)
SETTINGS = load_config(REPO / "config" / "config.yaml")
DISCLOSURE = SETTINGS["disclosure"]
#: The ONS rule for birth statistics: counts 1 to 2 withheld, counts not rounded.
ONS = resolve_disclosure({"disclosure": {"rule_set": "ons_births"}})
NHS_WORDING = ("1 to 7", "nearest 5", "NHS England")


def _says(text: str, wording: str) -> bool:
    """``wording`` as words of its own (``1 to 7`` is not in ``CI 5.1 to 7.8``)."""
    return re.search(rf"(?<![\d.]){re.escape(wording)}(?![\d.])", text) is not None


@pytest.fixture(scope="module")
def tables_and_figures(
    tmp_path_factory, fake_indicator_tables, fake_models, fake_flow, fake_model_tables
) -> dict:
    """The tiny fake tables as the pipeline publishes them, and Northbrook's figures."""
    root = tmp_path_factory.mktemp("templates")
    frames = {**fake_indicator_tables, "models": fake_models, "flow": fake_flow}
    frames.update(fake_model_tables)
    frames["outcomes"] = fake_outcomes_table()
    parameters = {
        "release": "demo",
        "release_label": "Demo release (synthetic data, fictional areas)",
        "area_code": AREA,
        "area_name": AREA_NAME,
        "synthetic": True,
        "figures_dir": str(root / "figures" / AREA),
    }
    (root / "tables").mkdir()
    for name in TABLES:
        path = root / "tables" / f"{name}.csv"
        frames[name].to_csv(path, index=False)
        parameters[f"{name}_csv"] = str(path)
    figures.write_area_figures(
        frames["rates"],
        fake_models,
        fake_flow,
        AREA,
        root / "figures" / AREA,
        trends=frames["trends"],
        inequality=frames["inequality"],
        funnel=frames["funnel"],
        risk_ratios=frames["risk_ratios"],
        synthetic=True,
        disclosure=DISCLOSURE,
    )
    reasons = {str(r) for r in frames["trends"]["reason"].dropna() if str(r)}
    return {"root": root, "parameters": parameters, "trend_reasons": reasons}


def _render(template: Path, setup: dict, name: str, disclosure: dict) -> str:
    parameters = {
        **setup["parameters"],
        "disclosure": disclosure,
        "statistics": SETTINGS["statistics"],
    }
    out = setup["root"] / name
    page = out / f"{AREA}.html"
    # the workflow's template makes two documents; read both (the committee document first)
    annex = out / f"{AREA}_annex.html" if template == MAIN else None
    rendering.render_appendix(
        template, out / f"{AREA}.ipynb", page, parameters, sys.executable, annex=annex
    )
    return page.read_text(encoding="utf-8") + (annex.read_text(encoding="utf-8") if annex else "")


class _Headings(HTMLParser):
    """The text of every h1 to h4, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        if tag in {"h1", "h2", "h3", "h4"}:
            self._open = True
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag in {"h1", "h2", "h3", "h4"}:
            self._open = False

    def handle_data(self, data):
        if self._open:
            self.headings[-1] += data


def _headings(page: str) -> list[str]:
    parser = _Headings()
    parser.feed(page)
    return [h.replace("¶", "").strip() for h in parser.headings]


@pytest.fixture(scope="module")
def short_page(tables_and_figures) -> str:
    return _render(SHORT, tables_and_figures, "short", SETTINGS["disclosure"])


@pytest.fixture(scope="module")
def ons_page(tables_and_figures) -> str:
    return _render(MAIN, tables_and_figures, "ons", ONS)


def test_every_template_is_commit_ready_and_takes_the_workflow_parameters():
    for template in (MAIN, SHORT):
        notebook = json.loads(template.read_text(encoding="utf-8"))
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert "parameters" in code[0]["metadata"]["tags"]
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
        assert all(c.get("id") for c in notebook["cells"])  # fixed ids: the same bytes each run
        assert set(rendering.template_parameters(template)) == set(
            rendering.template_parameters(MAIN)
        )


def test_the_short_template_shows_its_sections_in_its_own_order(short_page):
    headings = _headings(short_page)
    order = [
        # the title names what the release covers: the fakes carry infant mortality and one
        # maternity indicator besides the birth outcomes
        "Northbrook: inequalities in infant mortality, preterm birth, low birth weight and "
        "emergency caesarean section",
        "About this summary",
        "Data and methods",
        "Key findings",
        "One outcome in detail",
    ]
    assert [h for h in headings if h in order] == order
    outcome = wording.outcome_label("preterm")
    assert headings[headings.index("One outcome in detail") + 1] == outcome
    assert "Trends and comparison with the benchmark" not in headings
    assert "A two-page summary for the council's scrutiny committee" in short_page  # local text
    assert "Preterm birth is more common in more deprived areas" in short_page
    assert "<table" in short_page and "data:image/png;base64," in short_page
    # no code: neither the template's calls nor Python source reach the page
    assert "load_appendix_inputs" not in short_page and "show(" not in short_page
    assert "appendix.outcomes[0]" not in short_page and "import " not in short_page
    assert "Counts of 1 to 7 are withheld" in short_page  # the default NHS England rule


def test_an_ons_births_release_says_what_it_did(ons_page, tables_and_figures):
    """Issue 10, item 3: the appendix's method statements follow disclosure.rule_set."""
    page = ons_page
    # the trends table's reasons are data of the stats stage, shown as published (not a
    # statement of the appendix)
    for reason in tables_and_figures["trend_reasons"]:
        page = page.replace(reason, "")
    for phrase in NHS_WORDING:
        assert not _says(page, phrase), phrase
    assert "Counts of 1 to 2 are withheld" in ons_page
    assert "ONS rule for birth statistics" in ons_page
    assert "a count of 1 to 2 or a figure that would reveal one" in ons_page
    assert "Counts are not rounded" in ons_page


def test_table_notes_follow_the_disclosure_rule():
    nhs = SETTINGS["disclosure"]
    for note in (notes.rates_note, notes.flow_note, notes.models_note, notes.funnel_note):
        assert "1 to 7" in note(nhs) and "1 to 2" in note(ONS)
        assert not any(_says(note(ONS), wording) for wording in NHS_WORDING)
    assert "nearest 5" in notes.stratified_note(nhs)
    assert "Births not rounded" in notes.fit_note(ONS)
    assert "published counts" in notes.inequality_note(ONS, SETTINGS["statistics"])
    assert "(rounded)" not in notes.inequality_note(ONS, SETTINGS["statistics"])


def test_the_sections_are_data_that_a_template_can_reorder(tables_and_figures):
    inputs = reading.load_appendix_inputs(
        **tables_and_figures["parameters"],
        disclosure=ONS,
        statistics=SETTINGS["statistics"],
    )
    section = sections.outcome_section(inputs, "preterm")
    kinds = [type(b).__name__ for b in section.blocks]
    assert section.title == "Preterm birth" and {"Figure", "Table"} <= set(kinds)
    table = next(b for b in section.blocks if isinstance(b, blocks.Table))
    assert table.caption.startswith("Preterm birth by deprivation quintile")
    assert "1 to 2" in table.notes and "not rounded" in table.notes
    figure = next(b for b in section.blocks if isinstance(b, blocks.Figure))
    assert figure.png.exists() and figure.alt
    bullets = sections.method_bullets(inputs, "disclosure", "rates")
    assert bullets.items[0].startswith("**Disclosure control.** Counts of 1 to 2 are withheld")
    assert bullets.items[1].startswith("**Rates.** Percentages of live births")
