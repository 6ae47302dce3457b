"""End to end on a real-layout release: a trust export (text labels, 38+4, dd/mm/yyyy, Windows-1252)
with real Leicester LSOA 2011 codes, IoD2025 deprivation through the ONS LSOA 2011->2021 lookup, all
read from ../shared by configured local paths. Skips when ../shared is absent."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest
from support import SHARED
from support.cleaned import birth_outcomes_only
from support.workflow import snakemake, write_config

from birthgaps.ingest.sources import to_layout
from birthgaps.ingest.synth import simulate_release

pytestmark = pytest.mark.workflow
LEICESTER = "E06000016"


@pytest.fixture(scope="module")
def real_layout_run(tmp_path_factory, repo_config):
    if not SHARED.exists():
        pytest.skip("../shared is not available")
    data = SHARED / "data"
    workdir = tmp_path_factory.mktemp("real_layout")
    iod2019 = pd.read_csv(
        data / "imd2019-lsoa11/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
        encoding="utf-8-sig",
    )
    lsoas = iod2019.loc[iod2019.iloc[:, 2] == LEICESTER, iod2019.columns[0]].sort_values().tolist()
    assert len(lsoas) == 192

    config = birth_outcomes_only(repo_config)  # a trust export without maternity columns or deaths
    settings = {**config["synthetic"], "live_births": 4000}
    births, _ = simulate_release(settings, {LEICESTER: "Leicester"}, [2022, 2023])
    rng = np.random.default_rng(7)
    known = births["mother_lsoa"].notna()
    births.loc[known, "mother_lsoa"] = rng.choice(lsoas, size=int(known.sum()))
    births.loc[births.index[:5], "mother_lsoa"] = "E01999999"  # not an LSOA: counted as Unknown
    raw = to_layout(births, "local_maternity_export")
    raw.to_csv(workdir / "trust_export.csv", index=False, encoding="cp1252")

    config["release"] = "trust"
    config["areas"] = {LEICESTER: "Leicester"}
    config["releases"] = {
        "trust": {
            "label": "Trust export test release (synthetic births, real LSOA codes)",
            "source": "local_maternity_export",
            "extract": str(workdir / "trust_export.csv"),
            "lsoa_vintage": 2011,
            "years": [2022, 2023],
        }
    }
    config["deprivation"] = {"edition": "iod2025", "quintiles": "national"}
    config["lookups"]["files"]["iod2025"]["path"] = str(
        data / "iod2025-lsoa21/imd2025_england_lsoa21.csv"
    )
    config["lookups"]["files"]["lsoa11_lsoa21"]["path"] = str(
        data / "lsoa-lookups/lookup_lsoa11_lsoa21_ltla22.csv"
    )
    configfile = write_config(workdir / "config.yaml", config)
    result = snakemake(workdir, configfile=configfile)
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir, births


def test_trust_export_reaches_the_canonical_births(real_layout_run):
    workdir, births = real_layout_run
    ingested = pd.read_parquet(workdir / "results/trust/restricted/births.parquet")
    assert len(ingested) == len(births)
    assert ingested["gestation_weeks"].sum() == births["gestation_weeks"].sum()
    assert ingested["birth_weight_g"].sum() == births["birth_weight_g"].sum()
    assert (
        ingested["mother_ethnic_category"].fillna("-")
        == births["mother_ethnic_category"].fillna("-")
    ).all()
    assert (workdir / "results/trust/restricted/qa/validation_report.html").exists()


def test_leicester_lsoas_get_iod2025_deciles_through_the_ons_lookup(real_layout_run):
    workdir, _ = real_layout_run
    lookup = pd.read_csv(workdir / "results/trust/lookups/lsoa_imd.csv")
    assert set(lookup["match"]) == {"mapped", "mapped_ambiguous"}  # 2011 codes, IoD2025 (2021)
    assert len(lookup) == 32844  # every English LSOA of 2011 gets a decile
    clean = pd.read_parquet(workdir / "results/trust/restricted/births_clean.parquet")
    flow = pd.read_csv(workdir / "results/trust/restricted/exclusion_flow.csv").set_index("step")
    unknown = clean["imd_quintile"] == "Unknown"
    assert unknown.sum() == flow.loc["lsoa_unmatched", "count"]
    assert unknown[clean["mother_lsoa"] == "E01999999"].all()
    # Leicester is deprived: most births fall in the two most deprived national quintiles
    shares = clean.loc[clean["imd_quintile"] != "Unknown", "imd_quintile"].value_counts(
        normalize=True
    )
    assert shares.get("1", 0) + shares.get("2", 0) > 0.5


def test_published_outputs_exist_for_leicester(real_layout_run):
    workdir, _ = real_layout_run
    assert (workdir / f"results/trust/published/appendix/{LEICESTER}.html").exists()
    rates = pd.read_csv(workdir / "results/trust/published/tables/rates.csv")
    assert set(rates["area_code"]) == {LEICESTER, "ALL"}
    assert rates["data"].isna().all()  # a real release carries no synthetic notice


def test_leicester_is_compared_with_england_never_with_itself(real_layout_run):
    workdir, _ = real_layout_run
    tables = workdir / "results/trust/published/tables"
    rates = pd.read_csv(tables / "rates.csv", dtype={"group": str})
    compared = rates[rates["benchmark"].notna()]
    assert not compared.empty and set(compared["area_code"]) == {LEICESTER}
    assert compared["benchmark_label"].str.startswith("England").all()
    assert not rates["benchmark_label"].fillna("").str.contains("study areas").any()
    preterm = compared[(compared["outcome"] == "preterm") & (compared["dimension"] == "year")]
    # England 2022 from ONS birth characteristics Table 8: 45,020 of 574,312 (not Leicester's value)
    assert preterm.set_index("group").loc["2022", "benchmark"] == round(100 * 45020 / 574312, 2)
    late = rates[(rates["dimension"] == "year") & (rates["group"] == "2023")]
    assert late["benchmark"].isna().all()  # no England figures for 2023: never another year's
    overall = compared[(compared["outcome"] == "preterm") & (compared["dimension"] == "overall")]
    assert overall["benchmark_label"].iloc[0] == "England (2022)"
    comparators = pd.read_csv(tables / "comparators.csv", dtype={"period": str})
    assert set(comparators["geography_code"]) == {"E92000001"}
    assert set(comparators["area_code"]) == {LEICESTER}
    funnel = pd.read_csv(tables / "funnel.csv")
    baseline = funnel.loc[funnel["outcome"] == "preterm", "baseline"].dropna().unique()
    assert list(baseline) == [round(100 * 45020 / 574312, 4)]
    assert set(funnel["baseline_label"].dropna()) <= {"England (2022)", "England (2022-2023)"}


def _visible_text(page: str) -> str:
    """A page's text as a reader sees it (tags, scripts and styles removed, spaces collapsed)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_key_messages_compare_leicester_with_england(real_layout_run):
    """The README's single-council example: the committee document opens with key messages that
    compare Leicester with England, and no published page compares it with itself."""
    workdir, _ = real_layout_run
    published = workdir / "results/trust/published"
    page = (published / f"appendix/{LEICESTER}.html").read_text(encoding="utf-8")
    text = _visible_text(page)
    start = text.index("Key messages")
    messages = text[start : text.index("Level and trend", start)]
    assert "babies in Leicester" in messages
    assert re.search(r"(more than in|fewer than in|similar to) England", messages), messages
    for path in published.rglob("*.html"):  # what a reader sees (CSVs: benchmark_label above)
        words = _visible_text(path.read_text(encoding="utf-8"))
        assert "All study areas" not in words, path
        assert not re.search(r"(similar to|than in|compared with) Leicester\b", words), path
