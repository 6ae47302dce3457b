"""Benchmark: an England-like synthetic release (about 3.6 million births over 2019-2024 in every
upper-tier local authority of England) run end to end, every appendix included.

Usage: python3 -m uv run python benchmarks/national_run.py [--areas 30] [--cores 2] [--keep DIR]

The areas, their births, deprivation and ethnic mix are read from ../shared/data at run time
(birthgaps.ingest.synth_national); without it the script says so and stops. The config is written
into a temporary folder (never into the project). ``--areas N`` runs N areas spread over the
regions (births scaled to their share of England's) for a quicker measurement; the full run also
takes England and region comparators from its own cells (``comparators.from_run``).
Prints a Markdown table: wall time, CPU time of all jobs, peak memory of the largest job, seconds per rule (summed over
the per-area jobs) from the logs, and the per-area extrapolation to every area.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_run import rule_seconds  # noqa: E402

from birthgaps.ingest.synth_national import england_profiles, upper_tier_areas  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
#: England's live births over the six years, about 600,000 a year.
ENGLAND_BIRTHS = 3_600_000
RELEASE = "national"


def pick_areas(areas, n: int | None):
    """Every area, or ``n`` spread evenly over the ONS table's order (region by region)."""
    if n is None or n >= len(areas):
        return areas
    step = len(areas) / n
    return areas.iloc[[int(i * step) for i in range(n)]].reset_index(drop=True)


def write_config(work: Path, n_areas: int | None) -> tuple[Path, int]:
    """The national config (and its area -> region map) in ``work``; returns its path and the
    number of areas."""
    every = upper_tier_areas(SHARED)
    chosen = pick_areas(every, n_areas)
    profiles = england_profiles(SHARED, chosen)
    share = chosen["live_births"].sum() / every["live_births"].sum()
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    raw = f"results/{RELEASE}/restricted/raw"
    demo = config["releases"]["demo"]
    config["release"] = RELEASE
    config["releases"] = {
        RELEASE: {
            **demo,
            "label": "England-like release (synthetic data, real area names)",
            "extract": f"{raw}/births_extract.csv",
            "imd_lookup": f"{raw}/lsoa_imd_lookup.csv",
            "deaths": {"extract": f"{raw}/deaths_extract.csv", "source": "canonical"},
        }
    }
    config["areas"] = dict(zip(chosen["code"], chosen["name"], strict=True))
    config["synthetic"]["live_births"] = int(round(ENGLAND_BIRTHS * share))
    config["synthetic"]["area_profiles"] = profiles
    regions = work / "area_region.csv"
    chosen.rename(columns={"code": "lad_code", "name": "lad_name"})[
        ["lad_code", "lad_name", "region_code", "region_name"]
    ].to_csv(regions, index=False)
    config["comparators"]["regions"] = str(regions)
    config["comparators"]["from_run"] = len(chosen) == len(every)
    path = work / "config" / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path, len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=None, help="run this many areas (default all)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="run in this folder and keep it")
    parser.add_argument(
        "--target", nargs="+", default=["all"], help="snakemake targets, e.g. rule names"
    )
    args = parser.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"national_run: {SHARED} is absent; the England-like release needs it")
    holder = None
    if args.keep is None:
        holder = tempfile.TemporaryDirectory(prefix="birthgaps-national-")
        work = Path(holder.name)
    else:
        work = args.keep
        work.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "config", work / "config", dirs_exist_ok=True)
    _, n = write_config(work, args.areas)
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(work), "--cores", str(args.cores), *args.target, "--quiet", "all",
    ]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime  # CPU of every job: a fairer measure on a shared machine
    per_rule: dict[str, list[float]] = defaultdict(list)
    for name, seconds in rule_seconds(work / "logs").items():
        per_rule[name.split("/")[1]].append(seconds)  # release/rule[/area]
    what = "" if args.target == ["all"] else f" to {', '.join(args.target)}"
    print(
        f"| national run{what}, {n} areas, --cores {args.cores} | {wall / 60:.1f} min ({wall:.0f} s) |"
    )
    print(f"| CPU time of all jobs (user + system) | {cpu / 60:.1f} min |")
    print(f"| peak memory of the largest job | {peak_mb:.0f} MB |")
    for name in sorted(per_rule):
        times = per_rule[name]
        each = f", {sum(times) / len(times):.1f} s each" if len(times) > 1 else ""
        print(f"| {name} ({len(times)} job{'s' * (len(times) > 1)}) | {sum(times):.1f} s{each} |")
    if holder is not None:
        holder.cleanup()


if __name__ == "__main__":
    main()
