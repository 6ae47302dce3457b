# The provenance manifest (manifest.json beside the index page): the size and sha256 of every input
# file (extracts, source presets, lookups, reference data, config files), a hash of the resolved
# config, the code version, uv.lock's hash and the date produced (birthgaps.core.manifest). The
# workbook cover, the index page and every appendix's footer show it.
MANIFEST_INPUTS = manifest_inputs(config, SPEC, IMD_LOOKUP, AREA_LOOKUP)


rule manifest:
    input:
        **MANIFEST_INPUTS,
        configfiles=run_configfiles(),
        # an ordering input, not checksummed: written only once the extract has passed ingest,
        # cleaning and the cells, so a run that bad input stops leaves nothing staged
        checked=rules.cells.output.cells,
    output:
        f"{STAGED}/manifest.json",
    log:
        f"{LOGS}/manifest.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=5,
    params:
        roles=sorted(MANIFEST_INPUTS),
        release=RELEASE,
        release_label=SPEC["label"],
        config_hash=config_sha256(config),
        version=code_version(workflow.basedir),
        lock=lock_sha256(workflow.basedir),
        # where shipped files are named from (<project>/...); a function, as it is a prefix of inputs
        project=lambda wildcards: workflow.basedir,
        code=code_hash("manifest.py"),
    script:
        "../scripts/manifest.py"
