"""Snakemake script: execute an area's appendix notebook once with papermill, render the committee
document and the technical annex (HTML without code, tagged PDF) and the analysts' HTML (with code)."""

# the modules the notebook template runs: imported so that the rule's code hash covers them
import birthgaps.appendix.sections  # noqa: F401
from birthgaps.appendix.notebook import appendix_step
from birthgaps.core.manifest import provenance_line, read_manifest
from birthgaps.core.runner import run_step


def main(smk):
    parameters = {
        "release": smk.params.release,
        "release_label": smk.params.release_label,
        "area_code": smk.wildcards.area,
        "area_name": smk.params.area_name,
        "synthetic": smk.params.synthetic,
        "rates_csv": smk.input.rates,
        "models_csv": smk.input.models,
        "flow_csv": smk.input.flow,
        "trends_csv": smk.input.trends,
        "inequality_csv": smk.input.inequality,
        "funnel_csv": smk.input.funnel,
        "risk_ratios_csv": smk.input.risk_ratios,
        "interaction_csv": smk.input.interaction,
        "stratified_csv": smk.input.stratified,
        "excess_explained_csv": smk.input.excess_explained,
        "model_fit_csv": smk.input.model_fit,
        "death_markers_csv": smk.input.death_markers,
        "empty_tables_json": smk.input.empty_tables,
        "figures_dir": smk.input.figures,
        "disclosure": smk.params.disclosure,
        "statistics": smk.params.statistics,
    }
    if hasattr(smk.input, "outcomes"):  # the published definitions (labels, units, groups)
        parameters["outcomes_csv"] = smk.input.outcomes
    if hasattr(smk.input, "previous_rates"):  # a template declares these only if it uses them
        parameters["previous_rates_csv"] = smk.input.previous_rates
        parameters["previous_label"] = smk.params.previous_label
    if hasattr(smk.input, "changes"):  # what changed since the previous release
        parameters["previous_changes_csv"] = smk.input.changes
    appendix_step(
        smk.input.template,
        parameters,
        smk.output.notebook,
        smk.output.html,
        smk.output.analyst,
        smk.output.pdf,
        smk.params.python,
        smk.log[0],
        synthetic=smk.params.synthetic,
        annex_html=smk.output.annex_html,
        annex_pdf=smk.output.annex_pdf,
        colophon=provenance_line(read_manifest(smk.input.manifest)),
    )


run_step(snakemake, main)  # noqa: F821
