"""Two consecutive releases through Snakemake: one year more, then one late record more.

A release that names the release it follows (``releases.<name>.previous``) reads what that one
published and keeps its tables consistent with it, so that subtracting the two releases' tables
cannot reveal a small count (docs/disclosure.md, "Across releases").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from support.cleaned import birth_outcomes_only
from support.workflow import snakemake, tiny_config, write_config

from birthgaps.publish.publication import publish_tree

pytestmark = pytest.mark.workflow

TABLES = ["exclusion_flow", "rates", "trends", "inequality", "funnel", "models", "risk_ratios"]
LABELS = ["release", "data"]


def _targets(release: str) -> list[str]:
    return [f"results/{release}/staged/tables/{name}.csv" for name in [*TABLES, "changes"]]


def _release(config: dict, name: str, extract: Path, lookup: Path, years, previous=None) -> dict:
    spec = {
        "label": f"Release {name}",
        "extract": str(extract),
        "imd_lookup": str(lookup),
        "years": list(years),
    }
    if previous:
        spec["previous"] = previous
    config = birth_outcomes_only(config)  # these extracts carry no deaths extract
    config["releases"][name] = spec
    config["release"] = name
    return config


def _run(workdir: Path, config: dict) -> None:
    name = config["release"]
    configfile = write_config(workdir / f"{name}.yaml", config)
    result = snakemake(workdir, *_targets(name), configfile=configfile)
    assert result.returncode == 0, result.stderr[-4000:]
    # publish the staged tables as the publish rule does (this test needs no figures or appendices)
    publish_tree(workdir / "results" / name / "staged", workdir / "results" / name / "published")


def _tables(workdir: Path, release: str) -> dict[str, pd.DataFrame]:
    folder = workdir / "results" / release / "published" / "tables"
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False).drop(
            columns=LABELS, errors="ignore"
        )
        for name in TABLES
    }


@pytest.fixture(scope="module")
def releases(tmp_path_factory, repo_config):
    """A synthetic extract of 2021-2023, published as 2021-2022 (A), then 2021-2023 following A
    (B), then 2021-2023 with one late-registered birth, following B (C)."""
    workdir = tmp_path_factory.mktemp("releases")
    config = tiny_config(repo_config)
    config["releases"]["tiny"]["years"] = [2021, 2022, 2023]
    configfile = write_config(workdir / "tiny.yaml", config)
    raw = workdir / "results/tiny/restricted/raw"
    result = snakemake(
        workdir,
        "results/tiny/restricted/raw/births_extract.csv",
        "results/tiny/restricted/raw/lsoa_imd_lookup.csv",
        configfile=configfile,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    extract, lookup = raw / "births_extract.csv", raw / "lsoa_imd_lookup.csv"
    births = pd.read_csv(extract, dtype=str, keep_default_na=False)
    late = births.iloc[[len(births) // 2]].copy()
    late["baby_id"] = late["baby_id"] + "L"
    late_extract = workdir / "births_with_late_record.csv"
    pd.concat([births, late], ignore_index=True).to_csv(late_extract, index=False)
    config["releases"] = {}
    a = _release(config, "a", extract, lookup, [2021, 2022])
    b = _release(a, "b", extract, lookup, [2021, 2022, 2023], previous="a")
    c = _release(b, "c", late_extract, lookup, [2021, 2022, 2023], previous="b")
    for release in (a, b, c):
        _run(workdir, release)
    return workdir


def test_a_late_record_changes_no_published_table(releases):
    b, c = _tables(releases, "b"), _tables(releases, "c")
    for name in TABLES:
        pd.testing.assert_frame_equal(b[name], c[name], obj=name)


def test_the_late_record_is_in_the_restricted_counts(releases):
    """Guard: the two releases really differ by one birth."""
    flows = [
        pd.read_csv(releases / f"results/{r}/restricted/exclusion_flow.csv") for r in ("b", "c")
    ]
    received = [int(f.loc[f["step"] == "received", "count"].iloc[0]) for f in flows]
    assert received[1] == received[0] + 1


def test_a_year_more_keeps_rows_withheld_near_the_range(releases):
    a, b = _tables(releases, "a")["rates"], _tables(releases, "b")["rates"]
    keys = ["area_code", "outcome", "dimension", "group"]
    merged = a.merge(b, on=keys, suffixes=("_a", "_b"))
    exact = pd.read_parquet(releases / "results/b/restricted/rates_unrounded.parquet")
    exact["group"] = exact["group"].astype(str)
    merged = merged.merge(exact[[*keys, "events", "denominator"]], on=keys)
    non_events = merged["denominator"] - merged["events"]
    near = pd.concat([merged["events"], non_events, merged["denominator"]], axis=1).apply(
        lambda column: column.between(1, 11)
    )
    was_withheld = merged["flag_a"] == "c"
    assert (merged.loc[was_withheld & near.any(axis=1), "flag_b"] == "c").all()
    assert (was_withheld & near.any(axis=1)).sum() > 0


def test_a_missing_previous_release_stops_before_any_work(tmp_path, repo_config):
    config = tiny_config(repo_config)
    config["releases"]["tiny"]["previous"] = "never_run"
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    assert result.returncode != 0
    assert "releases.tiny.previous" in result.stderr and "never_run" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


# ----------------------------------------------------------------------------- what changed
# The changes table (birthgaps.publish.changes) is computed from the two releases' published
# tables alone: recomputing it from the two published trees gives it back exactly, so an attacker
# who reads both releases (the attack suite below) learns nothing more from it.


def _published(workdir: Path, release: str, name: str) -> pd.DataFrame:
    path = workdir / "results" / release / "published" / "tables" / f"{name}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_a_first_release_says_it_has_nothing_to_compare(releases):
    changes = _published(releases, "a", "changes")
    assert changes["change"].tolist() == ["none"]
    assert changes["previous_release"].tolist() == [""]


@pytest.mark.parametrize(("first", "second"), [("a", "b"), ("b", "c")])
def test_the_changes_table_is_a_function_of_the_two_publications(releases, first, second):
    from birthgaps.publish.changes import COMPARED, compare_releases

    then = {name: _published(releases, first, name) for name in COMPARED}
    now = {name: _published(releases, second, name) for name in COMPARED}
    published = _published(releases, second, "changes")
    again = compare_releases(now, then, release=second, previous_release=first)
    pd.testing.assert_frame_equal(published, again.astype(str))
    if second == "b":  # one year more: the new year's figures are listed
        new = published[published["change"] == "new"]
        assert set(new["group"]) == {"2023"} and len(new) > 0
    else:  # one late record: no published figure changed, so nothing is listed
        assert published["change"].tolist() == ["none"]
    # a size of revision only ever between two shown rows of the same key
    keys = ["area_code", "outcome", "dimension", "group"]
    revised = published[published["revision"] != ""]
    for release in (first, second):
        rates = _published(releases, release, "rates").set_index(keys)
        for _, row in revised[revised["table"] == "rates"].iterrows():
            key = (row["area_code"], row["outcome"], row["breakdown"], row["group"])
            assert rates.loc[key, "flag"] != "c", (release, key)


# ----------------------------------------------------------------------------- the attack suite
# An attacker who reads every published table (birthgaps.publish.audit): inversion of confidence limits,
# rate ratios, funnel limits and crude models, differencing over every additive set, and an
# integer program over all tables (one release, then two consecutive ones) that bounds every
# hidden count. Nothing may be recovered (issue 8; docs/disclosure.md).

RECOVERED = ("hidden_exact", "hidden_small_narrow", "shown_unrounded", "levels_recovered")


def _recovered(results: dict) -> dict:
    """What any attack recovered: hidden counts pinned, hidden 1-7 counts bounded within width 2,
    unrounded shown counts given back, complete-case model counts given back."""
    found = {}
    for name, result in results.items():
        bad = {key: result.summary.get(key) for key in RECOVERED if result.summary.get(key)}
        if bad:
            found[name] = bad
    return found


@pytest.mark.slow
def test_attacks_recover_nothing_from_one_release(releases):
    from birthgaps.publish import audit

    release = audit.load_release(releases / "results/b")
    assert release.rates["suppressed"].astype(str).eq("True").sum() > 20  # something to attack
    results = audit.attack_release(release, time_limit=2, strong=False, baseline=False)
    assert _recovered(results) == {}


@pytest.mark.slow
@pytest.mark.parametrize(("first", "second", "kind"), [("a", "b", "year"), ("b", "c", "record")])
def test_attacks_recover_nothing_from_two_releases(releases, first, second, kind):
    from birthgaps.publish import audit

    results = audit.attack_pair(
        releases / f"results/{first}",
        releases / f"results/{second}",
        kind=kind,
        time_limit=2,
        carried=True,
    )
    assert _recovered(results) == {}
