"""Appendix notebook rendering, HTML helpers and the release index page."""

from __future__ import annotations

import json
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from birthgaps import figures, report
from birthgaps.errors import InputError

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "notebooks" / "area_appendix.ipynb"
AREA, AREA_NAME = "X06000001", "Northbrook"
AREAS = {"X06000001": "Northbrook", "X06000002": "Eastmere", "X06000003": "Southwick"}


@pytest.fixture(scope="module")
def published(tmp_path_factory, fake_rates, fake_models, fake_flow) -> dict:
    """The fake tables written as the pipeline publishes them, plus Northbrook's figure set."""
    root = tmp_path_factory.mktemp("published")
    paths = {
        "rates_csv": root / "tables" / "rates.csv",
        "models_csv": root / "tables" / "models.csv",
        "flow_csv": root / "tables" / "exclusion_flow.csv",
        "figures_dir": root / "figures" / AREA,
    }
    paths["rates_csv"].parent.mkdir(parents=True)
    fake_rates.to_csv(paths["rates_csv"], index=False)
    fake_models.to_csv(paths["models_csv"], index=False)
    fake_flow.to_csv(paths["flow_csv"], index=False)
    figures.write_area_figures(
        fake_rates, fake_models, fake_flow, AREA, paths["figures_dir"], synthetic=True
    )
    return {"root": root, **paths}


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")


def _image_alts(page: str) -> list[str]:
    """The alt attribute of every image, unescaped."""
    parser = _Images()
    parser.feed(page)
    return parser.alts


def _parameters(published: dict, **changes) -> dict:
    parameters = {
        "release": "demo",
        "release_label": "Demo release (synthetic data, fictional areas)",
        "area_code": AREA,
        "area_name": AREA_NAME,
        "synthetic": True,
        **{k: str(published[k]) for k in ("rates_csv", "models_csv", "flow_csv", "figures_dir")},
    }
    parameters.update(changes)
    return parameters


@pytest.fixture(scope="module")
def rendered(published) -> dict:
    """Northbrook's appendix executed and rendered once."""
    out = published["root"] / "appendix"
    executed, page, log = out / f"{AREA}.ipynb", out / f"{AREA}.html", out / f"{AREA}.log"
    report.render_appendix(TEMPLATE, executed, page, _parameters(published), sys.executable, log)
    return {"executed": executed, "html": page, "log": log}


# ----------------------------------------------------------------------------- the template


def test_template_is_commit_ready():
    notebook = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert notebook["cells"][0] is code[0]
    assert "parameters" in code[0]["metadata"]["tags"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert set(report.template_parameters(TEMPLATE)) == {
        "release",
        "release_label",
        "area_code",
        "area_name",
        "synthetic",
        "rates_csv",
        "models_csv",
        "flow_csv",
        "figures_dir",
    }


# ----------------------------------------------------------------------------- rendering


def test_rendered_html_has_content_but_no_code(rendered, published):
    page = rendered["html"].read_text(encoding="utf-8")
    assert '<html lang="en"' in page
    assert "import " not in page and "load_appendix_inputs" not in page
    assert AREA_NAME in page
    assert "SYNTHETIC DATA — fictional areas, not real births." in page
    for heading in ("Headline findings", "Data and methods", "Definitions", "Limitations"):
        assert heading in page
    assert "Preterm birth is more common in more deprived areas" in page
    alts = _image_alts(page)
    assert len(alts) == 3 * 4 + 2 + 1
    for alt_file in sorted(published["figures_dir"].glob("*.txt")):
        assert alt_file.read_text(encoding="utf-8").strip() in alts, alt_file.name
    assert "data:image/png;base64," in page  # self-contained: images inline, no CDN scripts
    assert 'src="https://' not in page and 'src="http://' not in page
    assert '<th scope="col"' in page and ">c<" in page  # tables with suppressed cells


def test_same_inputs_give_the_same_page(rendered, published, tmp_path):
    again = tmp_path / "again.html"
    parameters = _parameters(published)
    report.render_appendix(TEMPLATE, tmp_path / "again.ipynb", again, parameters, sys.executable)
    assert again.read_bytes() == rendered["html"].read_bytes()


def test_executed_notebook_has_no_run_timestamps(rendered):
    notebook = json.loads(rendered["executed"].read_text(encoding="utf-8"))
    assert "start_time" not in notebook["metadata"]["papermill"]
    for cell in notebook["cells"]:
        assert "execution" not in cell["metadata"]
        assert "start_time" not in cell["metadata"].get("papermill", {})
    assert "papermill" in rendered["log"].read_text(encoding="utf-8")


def test_bad_area_fails_clearly_and_leaves_nothing(published, tmp_path):
    executed, page = tmp_path / "bad.ipynb", tmp_path / "bad.html"
    with pytest.raises(report.NotebookError) as caught:
        report.render_appendix(
            TEMPLATE,
            executed,
            page,
            _parameters(published, area_code="X99999999"),
            sys.executable,
            tmp_path / "bad.log",
        )
    message = str(caught.value)
    assert "area_appendix.ipynb" in message
    assert "cell 2 of the template" in message
    assert "X99999999" in message and "InputError" in message
    assert not executed.exists() and not page.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.log"]


def test_unknown_or_mistyped_parameter_is_refused_before_running(published, tmp_path):
    executed, page = tmp_path / "x.ipynb", tmp_path / "x.html"
    with pytest.raises(report.NotebookError, match="unknown notebook parameter.*area_cod"):
        report.render_appendix(TEMPLATE, executed, page, {"area_cod": AREA}, sys.executable)
    with pytest.raises(report.NotebookError, match="synthetic must be true or false"):
        report.render_appendix(
            TEMPLATE, executed, page, _parameters(published, synthetic="yes"), sys.executable
        )
    assert list(tmp_path.iterdir()) == []


def test_missing_figures_are_named(published, tmp_path):
    with pytest.raises(InputError, match="figure file"):
        report.load_appendix_inputs(**_parameters(published, figures_dir=str(tmp_path)))


# ----------------------------------------------------------------------------- HTML helpers


def test_format_rates_table_labels_and_suppression(fake_rates):
    table = report.format_rates_table(fake_rates, "X06000003", "preterm", "ethnic_group")
    assert list(table.columns) == [
        "Ethnic group",
        "Live births",
        "Preterm birth",
        "%",
        "95% CI",
    ]
    assert list(table["Ethnic group"]) == [
        "Asian",
        "Black",
        "Mixed",
        "White",
        "Other",
        "Not stated",
    ]
    other = table[table["Ethnic group"] == "Other"].iloc[0]
    assert list(other[1:]) == ["c", "c", "c", "c"]
    assert "c = suppressed" in table.attrs["footnote"]
    imd = report.format_rates_table(fake_rates, AREA, "preterm", "imd_quintile")
    assert imd["IMD quintile"].iloc[0] == "1 (most deprived)"
    assert " to " in imd["95% CI"].iloc[0]
    cross = report.format_rates_table(fake_rates, AREA, "lbw", "imd_quintile_by_ethnic_group")
    assert {"IMD quintile", "Ethnic group"} <= set(cross.columns)
    assert "c" in set(cross["%"])


def test_format_models_table_reference_and_too_few_events(fake_models):
    table = report.format_models_table(fake_models, "X06000003", "preterm")
    white = table[table["Group"] == "White"].iloc[0]
    assert white["Adjusted OR (95% CI)"] == "1 (reference)"
    other = table[table["Group"] == "Other"].iloc[0]
    assert other["Adjusted OR (95% CI)"] == "too few events"
    black = table[table["Group"] == "Black"].iloc[0]
    assert black["Adjusted OR (95% CI)"] == "1.50 (1.19 to 1.90)"


def test_format_flow_table_shows_c(fake_flow):
    table = report.format_flow_table(fake_flow)
    row = table[table["Step"].str.startswith("Mother resident outside")].iloc[0]
    assert row["Records"] == "c" and row["Type"] == "Removed"


def test_table_html_is_accessible():
    import pandas as pd

    frame = pd.DataFrame({"Group": ["A<b"], "%": ["1.0"]})
    out = report.table_html(frame, "Caption & more", footnote="Note")
    assert "<caption" in out and "Caption &amp; more" in out
    assert '<th scope="row"' in out and "A&lt;b" in out and "Note" in out


def test_headline_findings_come_from_the_numbers(published):
    inputs = report.load_appendix_inputs(**_parameters(published))
    sentences = report.headline_findings(inputs)
    text = " ".join(sentences)
    assert "Preterm birth in the most deprived fifth" in text
    assert "higher in the most deprived fifth" in text
    assert "1.50 (95% CI 1.19 to 1.90) for Black mothers" in text


# ----------------------------------------------------------------------------- index page


def test_write_index_links_every_area_with_banner(tmp_path):
    index = tmp_path / "published" / "index.html"
    paths = {code: str(tmp_path / "published" / "appendix" / f"{code}.html") for code in AREAS}
    report.write_index("demo", "Demo release", AREAS, paths, True, index)
    page = index.read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<title>" in page
    assert "SYNTHETIC DATA — fictional areas, not real births." in page
    for code, name in AREAS.items():
        assert f'<a href="appendix/{code}.html">{name}</a>' in page
    first = index.read_bytes()
    report.write_index("demo", "Demo release", AREAS, paths, True, index)
    assert index.read_bytes() == first

    report.write_index("demo", "Demo release", AREAS, paths, False, index)
    assert "SYNTHETIC" not in index.read_text(encoding="utf-8")


def test_write_index_needs_a_path_per_area(tmp_path):
    with pytest.raises(InputError, match="X06000003"):
        report.write_index(
            "demo",
            "Demo",
            AREAS,
            {"X06000001": "a.html", "X06000002": "b.html"},
            True,
            tmp_path / "i.html",
        )
