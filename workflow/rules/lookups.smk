# Official LSOA -> IMD lookup for a real release: downloaded or read locally, verified by content,
# mapped to the extract's LSOA vintage. Synthetic releases (and releases naming their own
# imd_lookup) skip it.
IMD_LOOKUP = SPEC.get("imd_lookup") or f"{RESULTS}/lookups/lsoa_imd.csv"

if not SPEC.get("imd_lookup"):

    rule lookups:
        output:
            IMD_LOOKUP,
        log:
            f"{LOGS}/lookups.log",
        conda:
            ENV
        resources:
            mem_mb=2000,
            runtime=15,
        params:
            lookups=config.get("lookups"),
            deprivation=config["deprivation"],
            lsoa_vintage=SPEC["lsoa_vintage"],
            code=code_hash("lookups.py"),
        script:
            "../scripts/lookups.py"
