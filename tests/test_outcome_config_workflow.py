"""Outcomes are config, end to end: one removed appears in no published file, one added by
declaration only appears in the tables, the workbook and the appendix."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from support.workflow import snakemake, tiny_config, write_config

pytestmark = pytest.mark.workflow

#: outcome id -> a pattern of its label (capital C: not the emergency caesarean's label)
REMOVED = {
    "term_lbw": re.compile(r"Low birth weight at term"),
    "caesarean": re.compile(r"Caesarean section"),
}
ADDED = {
    "id": "under_32_weeks",
    "label": "Born under 32 weeks",
    "group": "birth_outcomes",
    "definition": "live births before {very_preterm_weeks} weeks, of live births with stated gestation",
    "short": "born before {very_preterm_weeks} weeks",
    "numerator": "gestation_weeks < very_preterm_weeks",
    "requires": ["gestation_weeks"],
    "denominator": "live_births",
    "measure": "percent",
}


def published_text(folder: Path) -> dict[str, str]:
    """The text of every published file (workbook sheets unzipped), by path."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix in {".csv", ".html", ".json", ".md", ".txt", ".svg"}:
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                texts[str(path)] = " ".join(
                    book.read(name).decode("utf-8", "replace")
                    for name in book.namelist()
                    if name.endswith(".xml")
                )
    return texts


@pytest.fixture(scope="module")
def changed_run(tmp_path_factory, repo_config):
    workdir = tmp_path_factory.mktemp("outcomes")
    config = tiny_config(repo_config)
    config["outcomes"] = [o for o in config["outcomes"] if o not in REMOVED] + [ADDED]
    config["models"].pop("outcomes", None)
    result = snakemake(workdir, configfile=write_config(workdir / "config.yaml", config))
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir / "results" / "tiny" / "published"


def test_a_removed_outcome_appears_in_no_published_file(changed_run):
    texts = published_text(changed_run)
    assert len(texts) > 10
    for outcome, label in REMOVED.items():
        token = re.compile(rf"(^|,|\"){outcome}(,|\"|$)", re.MULTILINE)  # a code in a cell
        found = [p for p, text in texts.items() if token.search(text) or label.search(text)]
        assert not found, (outcome, found[:5])


def test_an_outcome_declared_in_config_only_is_published_everywhere(changed_run):
    rates = pd.read_csv(changed_run / "tables" / "rates.csv")
    assert "under_32_weeks" in set(rates["outcome"])
    texts = published_text(changed_run)
    assert any("Born under 32 weeks" in t for p, t in texts.items() if p.endswith(".xlsx"))
    # every area's technical annex shows every outcome (the committee document only the headline ones)
    annexes = [t for p, t in texts.items() if p.endswith("_annex.html")]
    assert len(annexes) == 3 and all("Born under 32 weeks" in t for t in annexes)
    assert all("before 32 weeks" in t for t in annexes)
