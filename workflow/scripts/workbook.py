"""Snakemake script: published tables -> the release's workbook (XLSX) and data dictionary (CSV)."""

import json

import pandas as pd

from birthgaps.core.catalogue import TABLE_KEYS
from birthgaps.core.runner import run_step
from birthgaps.publish.dictionary import published_dictionary
from birthgaps.publish.workbook import build_workbook


def main(smk):
    # as text, exactly as published: the workbook decides how each column is shown
    tables = {
        key: pd.read_csv(smk.input[key], dtype=str, keep_default_na=False) for key in TABLE_KEYS
    }
    params = smk.params
    with open(smk.input.empty_tables, encoding="utf-8") as handle:
        empty_notes = json.load(handle)
    build_workbook(
        tables,
        release=params.release,
        release_label=params.release_label,
        synthetic=params.synthetic,
        areas=params.areas,
        path=smk.output.workbook,
        years=params.years,
        disclosure=params.disclosure,
        statistics=params.statistics,
        deprivation=params.deprivation,
        models=params.models,
        empty_notes=empty_notes,
    )
    published_dictionary(
        tables, params.release, params.synthetic, params.disclosure, params.statistics
    ).to_csv(smk.output.dictionary, index=False)


run_step(snakemake, main)  # noqa: F821
