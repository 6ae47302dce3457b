"""End to end: Snakemake on a tiny synthetic config in a temporary folder, bad input, and lint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from support.workflow import real_release, snakemake, tiny_config, write_config

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow
PUBLISHED_TABLES = [
    "exclusion_flow",
    "rates",
    "trends",
    "inequality",
    "funnel",
    "models",
    "risk_ratios",
    "interaction",
    "stratified",
    "excess_explained",
    "model_fit",
]


def test_every_expected_output_exists(tiny_run):
    workdir, config, _ = tiny_run
    results = workdir / "results" / "tiny"
    expected = [
        "restricted/births.parquet",
        "restricted/births_clean.parquet",
        "restricted/cells.parquet",
        "restricted/cells_detailed.parquet",
        "restricted/rates_unrounded.parquet",
        "restricted/exclusion_flow.csv",
        "published/tables/rates.csv",
        "published/tables/models.csv",
        "published/tables/exclusion_flow.csv",
        "published/index.html",
    ]
    for area in config["areas"]:
        expected += [f"published/appendix/{area}{part}" for part in (".html", ".pdf")]
        expected += [f"published/appendix/{area}_annex{part}" for part in (".html", ".pdf")]
        expected += [f"notebooks/{area}.ipynb"]
    for relative in expected:
        path = results / relative
        assert path.exists() and path.stat().st_size > 0, relative
    for area in config["areas"]:
        figures = list((results / "published/figures" / area).glob("*.png"))
        assert figures, f"no figures for {area}"
        for png in figures:
            assert png.with_suffix(".txt").exists()
        assert not list((results / "published/figures" / area).glob("*.svg"))
    for rule in ("ingest", "clean", "cells", "rates", "models", "index"):
        assert (workdir / "logs" / "tiny" / f"{rule}.log").exists(), rule


def test_second_run_has_nothing_to_do(tiny_run):
    workdir, _, configfile = tiny_run
    result = snakemake(workdir, "--dry-run", configfile=configfile)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Nothing to be done" in result.stdout + result.stderr


def test_published_outputs_are_byte_identical_in_another_folder(tiny_run, tmp_path):
    workdir, config, _ = tiny_run
    configfile = write_config(tmp_path / "config.yaml", config)
    result = snakemake(tmp_path, configfile=configfile)
    assert result.returncode == 0, result.stderr[-4000:]
    first = workdir / "results/tiny/published"
    second = tmp_path / "results/tiny/published"
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    differing = [str(f) for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert not differing


def test_snakemake_report_lists_figures_and_tables(tiny_run):
    workdir, _, configfile = tiny_run
    result = snakemake(workdir, "--report", "report.html", configfile=configfile)
    assert result.returncode == 0, result.stderr[-2000:]
    html = (workdir / "report.html").read_text(errors="ignore")
    for text in ("Figures", "Tables", "rates.csv", "Wilson 95%", "preterm_by_imd_quintile.png"):
        assert text in html, text


def test_published_tables_pass_disclosure_control(tiny_run):
    workdir, config, _ = tiny_run
    rates = pd.read_csv(workdir / "results/tiny/published/tables/rates.csv")
    assert rates["suppressed"].any(), "a tiny release should have some suppressed cells"
    count_columns = {"events", "denominator", "n_births", "n_events", "excess_events"}
    for table in PUBLISHED_TABLES:
        frame = pd.read_csv(workdir / f"results/tiny/published/tables/{table}.csv")
        for column in count_columns & set(frame.columns):
            counts = frame[column].dropna().abs()
            assert ((counts == 0) | (counts >= 8)).all(), (table, column)
            assert (counts % config["disclosure"]["rounding_base"] == 0).all(), (table, column)
    flow = pd.read_csv(workdir / "results/tiny/published/tables/exclusion_flow.csv")
    assert (flow["count"].dropna() % 5 == 0).all()


def test_published_tree_holds_no_record_level_data(tiny_run):
    workdir, _, _ = tiny_run
    births = pd.read_parquet(workdir / "results/tiny/restricted/births.parquet")
    ids = set(births["baby_id"].dropna())
    published = workdir / "results/tiny/published"
    for path in published.rglob("*"):
        if path.suffix in {".csv", ".html", ".txt", ".svg"}:
            text = path.read_text(errors="ignore")
            assert not any(i in text for i in list(ids)[:500]), path
    notebooks = workdir / "results/tiny/notebooks"
    for path in notebooks.glob("*.ipynb"):
        assert "baby_id" not in path.read_text()


def test_the_run_ends_by_saying_where_the_index_page_is(tiny_run):
    workdir, _, _ = tiny_run
    said = (workdir / "snakemake.out").read_text(encoding="utf-8")
    index = (workdir / "results/tiny/published/index.html").resolve()
    assert f"birthgaps: index page of the release: {index}" in said
    assert said.count("index page of the release") == 1  # the main process only


def test_synthetic_release_is_labelled(tiny_run):
    workdir, config, _ = tiny_run
    for area in config["areas"]:
        html = (workdir / f"results/tiny/published/appendix/{area}.html").read_text()
        assert "SYNTHETIC" in html.upper()
    assert "SYNTHETIC" in (workdir / "results/tiny/published/index.html").read_text().upper()
    for table in PUBLISHED_TABLES:
        frame = pd.read_csv(workdir / f"results/tiny/published/tables/{table}.csv")
        assert list(frame.columns[:2]) == ["release", "data"]
        assert frame["data"].str.startswith("SYNTHETIC DATA").all(), table


def test_bad_config_stops_before_any_work(tmp_path, repo_config):
    config = tiny_config(repo_config)
    config["models"]["reference"]["ethnic_group"] = "Martian"
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    assert result.returncode != 0
    assert "models.reference.ethnic_group" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


def test_missing_extract_stops_before_any_work(tmp_path, repo_config):
    config = real_release(tmp_path, repo_config)
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    assert result.returncode != 0
    assert "extract file does not exist" in result.stderr and "births.csv" in result.stderr
    assert not (tmp_path / "results").exists()


def test_extract_lacking_a_column_stops_before_any_work(tmp_path, repo_config):
    from birthgaps.ingest.synth import simulate_release

    config = real_release(tmp_path, repo_config)
    settings = {**config["synthetic"], "live_births": 500}
    births, lookup = simulate_release(settings, config["areas"], [2022, 2023])
    births.drop(columns=["mother_lsoa"]).to_csv(tmp_path / "births.csv", index=False)
    lookup.to_csv(tmp_path / "imd.csv", index=False)
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    assert result.returncode != 0
    assert "mother_lsoa" in result.stderr and "births.csv" in result.stderr
    assert not (tmp_path / "results").exists()


def test_bad_rows_fail_the_ingest_rule_without_partial_outputs(tmp_path, repo_config):
    from birthgaps.ingest.synth import simulate_release

    config = real_release(tmp_path, repo_config)
    settings = {**config["synthetic"], "live_births": 500}
    births, lookup = simulate_release(settings, config["areas"], [2022, 2023])
    births = births.astype({"gestation_weeks": "string"})
    births.loc[births.index[:3], "gestation_weeks"] = "unknown"
    births.to_csv(tmp_path / "births.csv", index=False)
    lookup.to_csv(tmp_path / "imd.csv", index=False)
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    assert result.returncode != 0
    assert "gestation_weeks" in result.stderr and "rows affected: 3" in result.stderr
    assert not (tmp_path / "results/real/restricted/births.parquet").exists()
    assert not list((tmp_path / "results").rglob("*.parquet"))


def test_snakemake_lint_passes():
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
