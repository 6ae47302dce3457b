"""End to end: a release under the ONS births rule publishes the ONS wording everywhere (issue 10 bug).

Before issue 10 the appendix, the data dictionary, the workbook and the ``snakemake --report``
captions stated the NHS England rule (1 to 7 withheld, rounded to the nearest 5) whatever the config.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from support.workflow import snakemake, tiny_config, write_config

pytestmark = pytest.mark.workflow
REPO = Path(__file__).resolve().parents[1]

#: Wording that belongs to the NHS England rule set, or to a rounding the ONS rule does not do.
#: A number must stand alone: "5.1 to 7.3" is a confidence interval, not the withheld range.
FOREIGN = [
    r"(?<![\d.])1 to 7(?![\d.])",
    r"(?<![\d.])1–7(?![\d.])",
    r"nearest 5\b",
    r"NHS England",
    r"nearest 1\b",
    r"rounded \(rounded\)",
]


def _texts(published):
    """(file, readable text) for every published file a reader can read."""
    spec = importlib.util.spec_from_file_location("compare", REPO / "tools/compare_published.py")
    compare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare)
    for path in sorted(published.rglob("*")):
        if path.suffix in {".csv", ".txt", ".json", ".md"}:
            yield path, path.read_text(errors="replace")
        elif path.suffix in {".html", ".xlsx"} or (
            path.suffix == ".pdf" and shutil.which("pdftotext")
        ):
            yield path, compare.content(path) or ""


@pytest.fixture(scope="module")
def ons_run(tmp_path_factory, repo_config):
    workdir = tmp_path_factory.mktemp("ons")
    config = tiny_config(repo_config)
    config["disclosure"] = {"rule_set": "ons_births"}
    configfile = write_config(workdir / "config.yaml", config)
    result = snakemake(workdir, configfile=configfile)
    assert result.returncode == 0, result.stderr[-4000:]
    report = snakemake(workdir, "--report", "report.html", configfile=configfile)
    assert report.returncode == 0, report.stderr[-4000:]
    return workdir


def test_no_published_file_states_another_rule_set(ons_run):
    published = ons_run / "results/tiny/published"
    wrong = []
    checked = 0
    for path, text in _texts(published):
        checked += 1
        for pattern in FOREIGN:
            if re.search(pattern, text):
                wrong.append(f"{path.relative_to(published)}: '{pattern}'")
    assert checked > 20
    assert not wrong, "\n".join(wrong)


def test_the_ons_rule_is_stated(ons_run):
    published = ons_run / "results/tiny/published"
    appendix = next((published / "appendix").glob("*.html"))
    text = dict(_texts(appendix.parent))[appendix]
    assert "1 to 2" in text and "ONS rule" in text
    dictionary = (published / "tables/data_dictionary.csv").read_text()
    assert "1 to 2" in dictionary or "not rounded" in dictionary


def test_report_captions_state_the_ons_rule(ons_run):
    html = (ons_run / "report.html").read_text(errors="ignore")
    assert "ONS rule for birth statistics" in html
    for pattern in FOREIGN:
        assert not re.search(pattern, html), pattern
