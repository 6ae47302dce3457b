# The release's accessible statistical workbook (gptables: cover, contents, notes, one table per
# sheet, shorthand markers) and the data dictionary of every published table (birthgaps.publish.workbook,
# birthgaps.publish.dictionary; columns from the table catalogue, birthgaps.core.catalogue).
from birthgaps.core.catalogue import TABLE_KEYS as WORKBOOK_TABLES


rule workbook:
    input:
        **{key: f"{STAGED}/tables/{key}.csv" for key in WORKBOOK_TABLES},
        empty_tables=rules.models.output.empty_tables,
        manifest=rules.manifest.output[0],
    output:
        workbook=f"{STAGED}/birthgaps_{RELEASE}.xlsx",
        dictionary=f"{STAGED}/tables/data_dictionary.csv",
    log:
        f"{LOGS}/workbook.log",
    conda:
        ENV
    resources:
        mem_mb=1200,
        runtime=5,
    params:
        release=RELEASE,
        release_label=SPEC["label"],
        synthetic=SPEC["synthetic"],
        areas=config["areas"],
        years=SPEC["years"],
        disclosure=config["disclosure"],
        statistics=config["statistics"],
        deprivation=config["deprivation"],
        models=config["models"],
        definitions=config["definitions"],
        publication=config["publication"],
        code=code_hash("workbook.py"),
    script:
        "../scripts/workbook.py"
