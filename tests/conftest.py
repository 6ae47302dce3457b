"""Shared fixtures: the repository's config, tiny lookups, the shared data folder, the fake published
tables, and what is expensive to make, made once per test run (the rendered appendix, the tiny
end-to-end run). Helpers that are not fixtures live in tests/support/."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml
from support import REPO, SHARED
from support import appendix as appendix_support
from support.fakes import (
    fake_cell_table,
    fake_flow_table,
    fake_indicator_table_set,
    fake_model_tables_of,
    fake_models_table,
    fake_rates_table,
)
from support.workflow import snakemake, tiny_config, write_config

from birthgaps.core.outcomes import registry


@pytest.fixture(scope="session")
def repo_config() -> dict:
    """The demo config as committed, with ``models.outcomes`` filled as ``validate_config`` fills it
    (the outcomes declared modelled); read-only: tests copy before changing it."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    modelled = [o.id for o in registry(config).values() if o.modelled]
    config["models"].setdefault("outcomes", modelled)
    return config


@pytest.fixture
def config(repo_config: dict) -> dict:
    """A private deep copy of the demo config that a test may change."""
    return copy.deepcopy(repo_config)


@pytest.fixture
def shared_dir() -> Path:
    """../shared, or skip the test when it is absent (CI machines may not have it)."""
    if not SHARED.exists():
        pytest.skip("../shared is not available")
    return SHARED


@pytest.fixture
def lookup() -> pd.DataFrame:
    """Tiny LSOA -> IMD decile lookup: L1 decile 1 (quintile 1) ... L5 decile 10 (quintile 5)."""
    return pd.DataFrame(
        {"lsoa_code": ["L1", "L2", "L3", "L4", "L5"], "imd_decile": [1, 3, 6, 8, 10]}
    )


@pytest.fixture
def ranked_lookup() -> pd.DataFrame:
    """Ten LSOAs R01..R10 with national IMD ranks (1 = most deprived) and consistent deciles."""
    ranks = [150, 2900, 5000, 9000, 12000, 15500, 20000, 24000, 28000, 32000]
    return pd.DataFrame(
        {
            "lsoa_code": [f"R{i:02d}" for i in range(1, 11)],
            "imd_decile": [min(10, 1 + (r - 1) * 10 // 32844) for r in ranks],
            "imd_rank": ranks,
        }
    )


# ---------------------------------------------------------------------------------------------
# Fake published tables (tests/support/fakes.py), session-scoped: treat them as read-only (copy
# before changing).
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fake_rates() -> pd.DataFrame:
    """Published rates table (after disclosure control) for three fake areas and ALL."""
    return fake_rates_table()


@pytest.fixture(scope="session")
def fake_models() -> pd.DataFrame:
    """Published models table: crude and adjusted ORs; one "too few events" row (Southwick)."""
    return fake_models_table()


@pytest.fixture(scope="session")
def fake_flow() -> pd.DataFrame:
    """Published exclusion flow (clean.publish_flow format) with two suppressed rows."""
    return fake_flow_table()


@pytest.fixture(scope="session")
def fake_indicator_tables() -> dict[str, pd.DataFrame]:
    """Published rates (with 99.8% CIs, reliability and benchmark comparison), trends, inequality
    and funnel tables of the three fake areas, as the pipeline writes them."""
    return fake_indicator_table_set()


@pytest.fixture(scope="session")
def fake_model_tables(fake_models) -> dict[str, pd.DataFrame]:
    """Published risk_ratios, interaction, stratified, excess_explained and model_fit tables
    (keys as the models rule's outputs), in the real column formats; read-only."""
    return fake_model_tables_of(fake_models)


@pytest.fixture(scope="session")
def fake_cells() -> pd.DataFrame:
    """The fake cell table the fake published tables were made from (read-only)."""
    return fake_cell_table()


# ---------------------------------------------------------------------------------------------
# Made once per test run and shared by several test modules (read-only: copy before changing)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def published(
    tmp_path_factory, fake_indicator_tables, fake_models, fake_flow, fake_model_tables
) -> dict:
    """The fake tables written as the pipeline publishes them (rates with the benchmark columns,
    the indicator tables, the further model tables), plus Northbrook's figure set."""
    tables = {
        **fake_indicator_tables,
        "models": fake_models,
        "flow": fake_flow,
        **fake_model_tables,
    }
    return appendix_support.write_published(tmp_path_factory.mktemp("published"), tables)


@pytest.fixture(scope="session")
def rendered(published) -> dict:
    """Northbrook's appendix executed and rendered once per test run (the report, PDF and browser
    tests read it)."""
    return appendix_support.render(published)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, repo_config):
    """One complete snakemake run of the tiny release per test run, shared by the workflow and
    publication tests: (workdir, config, configfile). A test that changes its files works on a
    copy (support.workflow.copy_run)."""
    workdir = tmp_path_factory.mktemp("tiny")
    config = tiny_config(repo_config)
    configfile = write_config(workdir / "config.yaml", config)
    result = snakemake(workdir, configfile=configfile)
    assert result.returncode == 0, result.stderr[-4000:]
    # what snakemake said at the end (the onsuccess message), for the tests to read
    (workdir / "snakemake.out").write_text(result.stdout + result.stderr, encoding="utf-8")
    return workdir, config, configfile
