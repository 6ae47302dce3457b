"""Snakemake script: cell table and published rates -> odds ratios, risk ratios, interaction test,
stratified estimates, excess explained and fit summaries (disclosure-controlled: crude ratios from
the published counts, withheld rows withheld, estimates rounded; docs/models.md)."""

from birthgaps.core.catalogue import MODEL_OUTPUTS
from birthgaps.core.runner import run_step
from birthgaps.models.release import models_step


def main(smk):
    models_step(
        smk.input.cells,
        smk.input.rates,
        {output: smk.output[output] for output in MODEL_OUTPUTS.values()},
        smk.output.empty_tables,
        models=smk.params.models,
        areas=smk.params.areas,
        disclosure=smk.params.disclosure,
        release=smk.params.release,
        synthetic=smk.params.synthetic,
        deprivation=smk.params.deprivation,
        previous_cells=smk.input.get("previous_cells"),
        marker_cells=smk.input.death_markers,
        markers_out=smk.output.death_markers,
        previous_markers=smk.input.get("previous_model_death_markers"),
        previous_tables={
            output: smk.input[f"previous_model_{output}"]
            for output in MODEL_OUTPUTS.values()
            if smk.input.get(f"previous_model_{output}")
        },
    )


run_step(snakemake, main)  # noqa: F821
