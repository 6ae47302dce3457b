# The last step: the staged tree becomes results/{release}/published in one swap, only once every
# rule and the disclosure scan have passed; the manifest lists each published file's checksum.
rule publish:
    input:
        scan=rules.scan.output.report,
        index=rules.index.output[0],
        appendix=expand(rules.appendix.output.html, area=AREAS),
        appendix_pdf=expand(rules.appendix.output.pdf, area=AREAS),
        annex=expand(rules.appendix.output.annex_html, area=AREAS),
        annex_pdf=expand(rules.appendix.output.annex_pdf, area=AREAS),
        figures=expand(rules.figures.output[0], area=AREAS),
        rates=rules.rates.output.published,
        definitions=rules.rates.output.definitions,
        comparators=rules.comparators.output.comparators,
        models=rules.models.output,
        flow=rules.clean.output.published_flow,
        trends=rules.trends.output.trends,
        inequality=rules.inequality.output.inequality,
        funnel=rules.funnel.output.funnel,
        changes=rules.changes.output.changes,
        workbook=rules.workbook.output.workbook,
        dictionary=rules.workbook.output.dictionary,
        manifest=rules.manifest.output[0],
    output:
        manifest=f"{RESULTS}/qa/published_manifest.csv",
    log:
        f"{LOGS}/publish.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        # the folder of the index page is the staged tree
        staged=lambda wildcards, input: str(Path(input.index).parent),
        published=PUBLISHED,
        code=code_hash("publish.py"),
    script:
        "../scripts/publish.py"
