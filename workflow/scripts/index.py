"""Snakemake script: the release's index page linking every area's committee document, technical
annex and the workbook, with the release, the date produced and the birthgaps version."""

from birthgaps.appendix.index import write_index
from birthgaps.core.manifest import read_manifest
from birthgaps.core.runner import run_step
from birthgaps.stats.run_comparators import area_regions


def main(smk):
    write_index(
        smk.params.release,
        smk.params.release_label,
        smk.params.areas,
        dict(zip(smk.params.areas, smk.input.html, strict=True)),
        smk.params.synthetic,
        smk.output[0],
        pdf_paths=dict(zip(smk.params.areas, smk.input.pdf, strict=True)),
        workbook=smk.input.workbook,
        annex_paths=dict(zip(smk.params.areas, smk.input.annex_html, strict=True)),
        annex_pdf_paths=dict(zip(smk.params.areas, smk.input.annex_pdf, strict=True)),
        manifest=read_manifest(smk.input.manifest),
        regions=area_regions(smk.input.regions) if smk.input.get("regions") else None,
    )


run_step(snakemake, main)  # noqa: F821
