"""Snakemake script: raw extract -> canonical births parquet."""

from birthgaps.ingest import read_extract
from birthgaps.workflow import run_step


def main(smk):
    births = read_extract(smk.input.extract, smk.params.column_map)
    births.to_parquet(smk.output.births, index=False)


run_step(snakemake, main)  # noqa: F821
