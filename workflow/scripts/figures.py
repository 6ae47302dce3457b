"""Snakemake script: published tables -> one area's charts (PNG, SVG, alt text)."""

from birthgaps.figures import write_area_figures
from birthgaps.report import read_flow, read_models, read_rates
from birthgaps.workflow import run_step


def main(smk):
    write_area_figures(
        read_rates(smk.input.rates),
        read_models(smk.input.models),
        read_flow(smk.input.flow),
        smk.wildcards.area,
        smk.output[0],
        synthetic=smk.params.synthetic,
    )


run_step(snakemake, main)  # noqa: F821
