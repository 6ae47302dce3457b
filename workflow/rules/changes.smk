# What changed since the previous release (releases.<name>.previous): new figures, revisions
# ([r]), changed verdicts, rows newly withheld or shown and model estimates that moved, computed
# from the two releases' published tables alone (birthgaps.publish.changes; docs/disclosure.md,
# "Across releases"). A release that follows none gets a one-row table saying so.
from birthgaps.publish.changes import PREVIOUS_INPUTS


rule changes:
    input:
        **{k: v for k, v in PREVIOUS.items() if k in PREVIOUS_INPUTS.values()},
        rates=rules.rates.output.published,
        trends=rules.trends.output.trends,
        models=rules.models.output.models,
        risk_ratios=rules.models.output.risk_ratios,
    output:
        changes=f"{STAGED}/tables/changes.csv",
    log:
        f"{LOGS}/changes.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        release=RELEASE,
        previous=SPEC.get("previous") or "",
        code=code_hash("changes.py"),
    script:
        "../scripts/changes.py"
