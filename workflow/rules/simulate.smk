# The embedded demo release: a synthetic record-level extract, its fictional IMD lookup and (when the
# release names one) its linked deaths extract.
if SPEC["synthetic"]:

    rule simulate_release:
        output:
            **({"deaths": SPEC["deaths"]["extract"]} if "deaths" in SPEC else {}),
            extract=SPEC["extract"],
            lookup=SPEC["imd_lookup"],
        log:
            f"{LOGS}/simulate_release.log",
        conda:
            ENV
        resources:
            mem_mb=1000 + config["synthetic"]["live_births"] // 1000,
            runtime=5 + config["synthetic"]["live_births"] // 500_000,
        params:
            settings=config["synthetic"],
            areas=config["areas"],
            years=SPEC["years"],
            deaths_complete_to=str(SPEC.get("deaths_complete_to") or ""),
            code=code_hash("simulate_release.py"),
        script:
            "../scripts/simulate_release.py"
