# birthgaps: inequalities in birth outcomes (mortality, preterm birth, low birth weight, maternity) by deprivation and ethnicity.
# Thin on purpose: configuration, validation before any work, the rules, and the final targets.
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

from birthgaps.core.settings import (
    deaths_complete_to,
    outcome_params,
    previous_files,
    previous_label,
    validate_config,
)
from birthgaps.ingest.preflight import preflight
from birthgaps.core.errors import InputError
from birthgaps.ingest.lookups import check_lookup_config
from birthgaps.ingest.residence import area_lookup_settings
from birthgaps.ingest.sources import release_files, release_source, source_preset_files
from birthgaps.core.methods import caption_statements
from birthgaps.core.runner import code_hash
from birthgaps.core.manifest import code_version, config_sha256, lock_sha256
from birthgaps.core.stale_locks import clear_stale_locks
from birthgaps.stats.comparators import check_self_comparison

# The demo config, unless the user gives a whole config of their own with --configfile (merging the
# two would silently keep demo areas and releases in a real run).
if not config:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


try:
    validate_config(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
    preflight(config, warn=workflow.is_main_process)  # warnings once, not again in each job
    check_lookup_config(config)
    check_self_comparison(config, warn=workflow.is_main_process)
    AREA_LOOKUP = area_lookup_settings(config)
except InputError as error:
    raise WorkflowError(str(error)) from None

# a run killed with SIGKILL leaves Snakemake's lock behind: remove it when no run is alive, so the
# plain command restarts (with rerun-incomplete from profiles/default)
if workflow.is_main_process:
    for lock in clear_stale_locks():
        print(f"birthgaps: removed the lock of a run that was killed: {lock}", file=sys.stderr)

RELEASE = config["release"]
SPEC = config["releases"][RELEASE]
AREAS = list(config["areas"])
RESULTS = f"results/{RELEASE}"
RESTRICTED = f"{RESULTS}/restricted"
# Rules write the published tree into STAGED; `publish` copies it to PUBLISHED only after every rule
# and the disclosure scan have passed, so a failed run leaves PUBLISHED as the last good run left it.
STAGED = f"{RESULTS}/staged"
PUBLISHED = f"{RESULTS}/published"
LOGS = f"logs/{RELEASE}"
ENV = "../../environment.yml"  # conda: paths are relative to the rule file
# a release that follows another reads what that one published (docs/disclosure.md)
PREVIOUS = {f"previous_{name}": path for name, path in previous_files(config).items()}


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/lookups.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/cells.smk"
include: "workflow/rules/manifest.smk"
include: "workflow/rules/comparators.smk"
include: "workflow/rules/rates.smk"
include: "workflow/rules/inequality.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/changes.smk"
include: "workflow/rules/workbook.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/appendix.smk"
include: "workflow/rules/scan.smk"
include: "workflow/rules/publish.smk"


rule all:
    default_target: True
    input:
        rules.publish.output.manifest,


onsuccess:
    # at the end of a run, say where the release can be read (the main process only, not a job's)
    if workflow.is_main_process and (Path(PUBLISHED) / "index.html").exists():
        print(
            f"birthgaps: index page of the release: {(Path(PUBLISHED) / 'index.html').resolve()}"
        )
