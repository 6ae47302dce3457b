# The embedded demo release: a synthetic record-level extract and fictional LSOA -> IMD lookup.
if SPEC["synthetic"]:

    rule simulate_release:
        output:
            extract=SPEC["extract"],
            lookup=SPEC["imd_lookup"],
        log:
            f"{LOGS}/simulate_release.log",
        conda:
            ENV
        params:
            settings=config["synthetic"],
            areas=config["areas"],
            years=SPEC["years"],
            code=code_hash("simulate_release.py"),
        script:
            "../scripts/simulate_release.py"
