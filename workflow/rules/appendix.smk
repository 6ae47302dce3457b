# One papermill notebook per area, executed once for analysts (kept with an HTML copy that shows the
# code) and split by cell tags into two documents, each as HTML without code and as a tagged A4 PDF:
# the committee document ({area}.html/.pdf) and the technical annex ({area}_annex.html/.pdf); the
# index.
# The template is config `appendix.template` (a council's own template may reuse the same section
# functions), relative to the project folder.
APPENDIX_TEMPLATE = str(Path(workflow.basedir) / config["appendix"]["template"])


rule appendix:
    input:
        **{k: v for k, v in PREVIOUS.items() if k == "previous_rates"},
        # what changed since it (new years, revisions): only for a release that follows another
        **({"changes": rules.changes.output.changes} if PREVIOUS else {}),
        template=APPENDIX_TEMPLATE,
        rates=rules.rates.output.published,
        # the published outcome definitions (labels, units, groups)
        outcomes=rules.rates.output.definitions,
        models=rules.models.output.models,
        flow=rules.clean.output.published_flow,
        trends=rules.trends.output.trends,
        inequality=rules.inequality.output.inequality,
        funnel=rules.funnel.output.funnel,
        risk_ratios=rules.models.output.risk_ratios,
        interaction=rules.models.output.interaction,
        stratified=rules.models.output.stratified,
        excess_explained=rules.models.output.excess_explained,
        model_fit=rules.models.output.model_fit,
        death_markers=rules.models.output.death_markers,
        empty_tables=rules.models.output.empty_tables,
        figures=rules.figures.output[0],
        manifest=rules.manifest.output[0],
        # the previous release's published rates: the key messages say what is new since it
    output:
        notebook=f"{RESULTS}/notebooks/{{area}}.ipynb",
        html=f"{STAGED}/appendix/{{area}}.html",
        analyst=f"{RESULTS}/notebooks/{{area}}.html",
        pdf=f"{STAGED}/appendix/{{area}}.pdf",
        annex_html=f"{STAGED}/appendix/{{area}}_annex.html",
        annex_pdf=f"{STAGED}/appendix/{{area}}_annex.pdf",
    log:
        f"{LOGS}/appendix/{{area}}.log",
    wildcard_constraints:
        # {area}.html is the committee document, {area}_annex.html the annex, never an area
        area=r"[^/]+(?<!_annex)",
    conda:
        ENV
    resources:
        mem_mb=1600,
        runtime=15,
    params:
        python=sys.executable,
        release=RELEASE,
        release_label=SPEC["label"],
        synthetic=SPEC["synthetic"],
        area_name=lambda wildcards: config["areas"][wildcards.area],
        disclosure=config["disclosure"],
        statistics=config["statistics"],
        previous_label=previous_label(config),
        code=code_hash("appendix.py"),
    script:
        "../scripts/appendix.py"


rule index:
    input:
        html=expand(f"{STAGED}/appendix/{{area}}.html", area=AREAS),
        pdf=expand(f"{STAGED}/appendix/{{area}}.pdf", area=AREAS),
        annex_html=expand(f"{STAGED}/appendix/{{area}}_annex.html", area=AREAS),
        annex_pdf=expand(f"{STAGED}/appendix/{{area}}_annex.pdf", area=AREAS),
        workbook=rules.workbook.output.workbook,
        manifest=rules.manifest.output[0],
        regions=shipped(config["comparators"]["regions"]),
    output:
        f"{STAGED}/index.html",
    log:
        f"{LOGS}/index.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        release=RELEASE,
        release_label=SPEC["label"],
        synthetic=SPEC["synthetic"],
        areas=config["areas"],
        code=code_hash("index.py"),
    script:
        "../scripts/index.py"
