"""Snakemake script: write the synthetic demo extract, its fictional IMD lookup and its deaths."""

from birthgaps.core.runner import run_step
from birthgaps.ingest.synth import write_release


def main(smk):
    write_release(
        smk.params.settings,
        smk.params.areas,
        smk.params.years,
        smk.output.extract,
        smk.output.lookup,
        deaths_path=smk.output.get("deaths"),
        deaths_complete_to=smk.params.deaths_complete_to or None,
    )


run_step(snakemake, main)  # noqa: F821
