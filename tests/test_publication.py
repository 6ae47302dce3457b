"""Nothing is published until every rule and the scan have passed: ``published/`` is swapped in
whole by the last rule, a failure anywhere (or while copying) leaves it exactly as it was, and a
release or area with no live births stops before any table is written."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from support.cleaned import birth_outcomes_only
from support.workflow import copy_run, snakemake, tiny_config, write_config

from birthgaps.clean.coverage import require_live_births
from birthgaps.core.errors import InputError
from birthgaps.publish import publication


def tree_digest(tree: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``tree`` (empty when it does not exist)."""
    if not tree.exists():
        return {}
    return {
        p.relative_to(tree).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(tree.rglob("*"))
        if p.is_file()
    }


# ------------------------------------------------------------------------------- the swap itself


def make_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_publish_replaces_the_whole_tree(tmp_path):
    published = make_tree(tmp_path / "published", {"tables/old.csv": "a\n", "index.html": "old"})
    staged = make_tree(tmp_path / "staged", {"tables/rates.csv": "x\n1\n", "index.html": "new"})
    manifest = publication.publish_tree(staged, published)
    assert tree_digest(published) == tree_digest(staged)
    assert list(manifest["path"]) == ["index.html", "tables/rates.csv"]
    assert not (tmp_path / "published.incoming").exists()
    assert not (tmp_path / "published.outgoing").exists()


def test_a_failure_while_copying_leaves_published_untouched(tmp_path, monkeypatch):
    published = make_tree(tmp_path / "published", {"tables/rates.csv": "old\n"})
    before = tree_digest(published)
    staged = make_tree(tmp_path / "staged", {"tables/rates.csv": "new\n", "a.html": "x"})

    def copy_half(src, dst, **kwargs):
        Path(dst).mkdir()
        (Path(dst) / "a.html").write_text("x")
        raise OSError("disk full")

    monkeypatch.setattr(shutil, "copytree", copy_half)
    with pytest.raises(OSError, match="disk full"):
        publication.publish_tree(staged, published)
    assert tree_digest(published) == before
    # the next run clears the half copy and publishes
    monkeypatch.undo()
    publication.publish_tree(staged, published)
    assert tree_digest(published) == tree_digest(staged)


def test_an_interrupted_swap_is_undone_or_finished(tmp_path):
    outgoing = make_tree(tmp_path / "published.outgoing", {"t.csv": "old"})
    published = tmp_path / "published"
    publication.recover(published)  # killed between the two renames: the old tree comes back
    assert tree_digest(published) == {"t.csv": hashlib.sha256(b"old").hexdigest()}
    make_tree(outgoing, {"t.csv": "older"})
    publication.recover(published)  # killed after the swap: only the clean-up was left
    assert not outgoing.exists()
    assert (published / "t.csv").read_text() == "old"


def test_nothing_staged_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing staged"):
        publication.publish_tree(tmp_path / "none", tmp_path / "published")


# ------------------------------------------------------------------------ no data, no publication


def flow_frame(received: int, removed: dict[str, int]) -> pd.DataFrame:
    rows = [("received", "Birth records in the extract", received, received)]
    remaining = received
    for step, count in removed.items():
        remaining -= count
        rows.append((step, f"{step} description", count, remaining))
    rows.append(("live_births", "Live births in the study", remaining, remaining))
    frame = pd.DataFrame(rows, columns=["step", "description", "count", "remaining"])
    frame["remaining"] = frame["remaining"].astype("Int64")
    return frame


def test_a_release_with_no_live_births_stops():
    births = pd.DataFrame({"area_code": pd.Series([], dtype="string")})
    flow = flow_frame(120, {"stillbirths": 2, "other_areas": 118})
    with pytest.raises(InputError) as error:
        require_live_births(births, ["E06000016"], flow)
    message = error.value.message()
    assert "no live births are left after cleaning" in message
    assert "120 records read" in message and "other_areas description: 118" in message
    assert "column: area_code" in message and "config key: areas" in message


def test_an_area_with_no_live_births_is_named():
    births = pd.DataFrame({"area_code": pd.Series(["E06000016"] * 5, dtype="string")})
    with pytest.raises(InputError, match="E06000099"):
        require_live_births(births, ["E06000016", "E06000099"], flow_frame(5, {}))


# ------------------------------------------------------------ the workflow: a failure in any rule


@pytest.fixture(scope="module")
def published_run(tmp_path_factory, tiny_run):
    """A copy of the tiny release's complete run: its published tree is the 'last good run'."""
    workdir = copy_run(tiny_run[0], tmp_path_factory.mktemp("publication"))
    configfile = workdir / tiny_run[2].name
    snapshot = tmp_path_factory.mktemp("publication_snapshot")
    for name in SNAPSHOT:
        shutil.copytree(workdir / name, snapshot / name)
    return workdir, configfile, snapshot


#: What a failing run may change besides its outputs: restored after each case (mtimes kept).
SNAPSHOT = ("results", ".snakemake")


def restore(workdir: Path, snapshot: Path) -> None:
    for name in SNAPSHOT:
        shutil.rmtree(workdir / name)
        shutil.copytree(snapshot / name, workdir / name)


def corrupt(path: Path) -> None:
    path.write_bytes(b"this is not the file the rule expects\n")


def plant_breach(path: Path) -> None:
    """A published count of 2 in a staged table: the scan must stop the run."""
    rates = pd.read_csv(path)
    column = next(c for c in ("numerator", "events", "births") if c in rates.columns)
    rates[column] = rates[column].astype("object")
    rates.loc[rates.index[0], column] = 2
    rates.to_csv(path, index=False)


# rule -> (file relative to results/tiny that it reads, how to break it)
FAILURES = {
    "cells": ("restricted/births_clean.parquet", corrupt),
    "scan": ("staged/tables/rates.csv", plant_breach),
}


@pytest.mark.workflow
@pytest.mark.parametrize("rule", list(FAILURES))
def test_a_failing_rule_leaves_published_exactly_as_it_was(published_run, rule):
    workdir, configfile, snapshot = published_run
    results = workdir / "results" / "tiny"
    before = tree_digest(results / "published")
    assert before, "the good run published nothing"
    relative, breaker = FAILURES[rule]
    breaker(results / relative)
    try:
        result = snakemake(workdir, configfile=configfile)
        assert result.returncode != 0, f"breaking {relative} did not fail the run"
        assert tree_digest(results / "published") == before
        assert not (results / "published.incoming").exists()
    finally:
        restore(workdir, snapshot)


#: Every rule of the workflow but the one that publishes (checked against snakemake's own list).
RULES = [
    "simulate_release",
    "ingest",
    "clean",
    "cells",
    "comparators",
    "rates",
    "trends",
    "inequality",
    "funnel",
    "models",
    "workbook",
    "changes",
    "manifest",
    "figures",
    "appendix",
    "index",
    "scan",
]


@pytest.mark.workflow  # its fixture is a complete run of the tiny release
def test_the_rule_list_is_complete(published_run):
    workdir, configfile, _ = published_run
    result = snakemake(workdir, "--list-rules", configfile=configfile)
    listed = set(result.stdout.split()) - {"all", "publish", "lookups"}
    assert listed == set(RULES)


#: Loaded by every Python process of a run (through PYTHONPATH): the rule named in
#: BIRTHGAPS_FAIL_RULE raises once its step has written all its outputs.
FAIL_AFTER_WRITING = """
import os

_rule = os.environ.get("BIRTHGAPS_FAIL_RULE")
if _rule:
    import birthgaps.core.runner as _workflow

    _run_step = _workflow.run_step

    def _failing(smk, step):
        def step_then_fail(s):
            step(s)
            if s.rule == _rule:
                raise RuntimeError("injected failure after the rule wrote its outputs")

        _run_step(smk, step_then_fail)

    _workflow.run_step = _failing
"""


@pytest.mark.workflow
@pytest.mark.parametrize("rule", RULES)
def test_any_rule_that_fails_leaves_published_exactly_as_it_was(
    published_run, rule, tmp_path, monkeypatch
):
    """The rule is forced to run, writes its outputs, then fails."""
    workdir, configfile, snapshot = published_run
    results = workdir / "results" / "tiny"
    before = tree_digest(results / "published")
    (tmp_path / "sitecustomize.py").write_text(FAIL_AFTER_WRITING)
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.setenv("BIRTHGAPS_FAIL_RULE", rule)
    try:
        result = snakemake(workdir, "--forcerun", rule, configfile=configfile)
        assert result.returncode != 0
        assert "injected failure after the rule wrote its outputs" in "".join(
            p.read_text() for p in (workdir / "logs" / "tiny").rglob("*.log")
        ), result.stderr[-2000:]
        assert tree_digest(results / "published") == before
        assert not (results / "published.incoming").exists()
    finally:
        restore(workdir, snapshot)


@pytest.mark.workflow
def test_a_failing_ingest_leaves_published_exactly_as_it_was(published_run):
    workdir, configfile, snapshot = published_run
    results = workdir / "results" / "tiny"
    before = tree_digest(results / "published")
    extract = results / "restricted/raw/births_extract.csv"
    header, *rows = extract.read_text().splitlines()
    extract.write_text("\n".join([header, *rows[:50], "not,enough,fields"]) + "\n")
    try:
        result = snakemake(workdir, configfile=configfile)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert tree_digest(results / "published") == before
    finally:
        restore(workdir, snapshot)


@pytest.mark.workflow
def test_only_the_publish_rule_writes_under_published(published_run):
    """Static check of the whole DAG: every other rule's outputs lie outside published/."""
    workdir, configfile, _ = published_run
    result = snakemake(workdir, "--summary", configfile=configfile)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line.split("\t") for line in result.stdout.splitlines() if "\t" in line]
    header, rows = lines[0], lines[1:]
    file_col = header.index("output_file")
    assert rows
    for row in rows:
        assert "/published/" not in row[file_col] and not row[file_col].endswith("/published"), row


def real_style_release(workdir: Path, repo_config: dict, areas: dict[str, str]) -> Path:
    """A non-synthetic release of simulated births in area X06000001, run for ``areas``."""
    from birthgaps.ingest.synth import simulate_release

    config = birth_outcomes_only(tiny_config(repo_config))  # no deaths extract here
    settings = {**config["synthetic"], "live_births": 600}
    births, lookup = simulate_release(settings, {"X06000001": "Northbrook"}, [2022])
    births.to_csv(workdir / "extract.csv", index=False)
    lookup.to_csv(workdir / "lookup.csv", index=False)
    config["areas"] = areas
    config["releases"]["tiny"].update(
        synthetic=False,
        extract=str(workdir / "extract.csv"),
        imd_lookup=str(workdir / "lookup.csv"),
        years=[2022],
    )
    config["releases"]["tiny"].pop("deaths", None)  # a births extract alone
    return write_config(workdir / "config.yaml", config)


@pytest.mark.workflow
@pytest.mark.parametrize(
    ("areas", "message"),
    [
        ({"X06000009": "Nowhere"}, "no live births are left after cleaning"),
        ({"X06000001": "Northbrook", "X06000009": "Nowhere"}, "X06000009"),
    ],
    ids=["no area has births", "one area has none"],
)
def test_no_live_births_publishes_nothing(tmp_path, repo_config, areas, message):
    configfile = real_style_release(tmp_path, repo_config, areas)
    result = snakemake(tmp_path, configfile=configfile)
    assert result.returncode != 0
    assert message in result.stderr
    assert "rule: clean" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results/tiny/published").exists()
    assert not list((tmp_path / "results/tiny").glob("staged/tables/*.csv"))


def test_only_this_runs_outputs_are_published(tmp_path):
    """A file an older run left in staged/ (an area no longer configured) is not published."""
    staged = make_tree(
        tmp_path / "staged",
        {
            "index.html": "new",
            "figures/A/1.png": "a",
            "appendix/A.html": "a",
            "appendix/OLD.html": "x",
        },
    )
    published = tmp_path / "published"
    outputs = [staged / "index.html", staged / "figures/A", staged / "appendix/A.html"]
    manifest = publication.publish_tree(staged, published, outputs)
    assert list(manifest["path"]) == ["appendix/A.html", "figures/A/1.png", "index.html"]
    assert not (published / "appendix/OLD.html").exists()
