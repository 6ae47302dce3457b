# The last rule: every file under the published tree is scanned for counts that escaped disclosure
# control and for anything that looks like a record-level identifier; any finding fails the run and
# the masked findings are left next to the log (docs/disclosure.md). Inputs are every rule that
# writes into the published tree, so the scan runs after all of them; the restricted extract is read
# only to look up its ids.
rule scan:
    input:
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
        births=rules.ingest.output.births,
    output:
        report=f"{RESULTS}/qa/disclosure_scan.csv",
    log:
        f"{LOGS}/scan.log",
    conda:
        ENV
    resources:
        mem_mb=scaled(1000, 30, of="births"),
        runtime=scaled(5, 0.02),
    params:
        # the folder of the index page is the published tree
        published=lambda wildcards, input: str(Path(input.index).parent),
        rules={
            **config["disclosure"],
            # no one in the release was born after its last year: later dates (run, publication)
            # may be published; the period's own first and last days may be named in the text
            "last_birth_date": f"{max(SPEC['years'])}-12-31",
            "allowed_dates": [f"{min(SPEC['years'])}-01-01", f"{max(SPEC['years'])}-12-31"],
        },
        findings=f"{LOGS}/disclosure_scan_findings.csv",
        code=code_hash("scan.py"),
    script:
        "../scripts/scan.py"
