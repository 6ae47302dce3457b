"""Benchmark: CPU seconds of one area's presentation (the ``figures`` and ``appendix`` jobs).

Usage: cd <project> && python3 -m uv run snakemake --cores 2   # the demo outputs, once
       python3 -m uv run python benchmarks/area_cpu.py [--area X06000001] [--repeats 2]

Each job runs as the rule runs it, in a fresh interpreter (imports included), on the demo's
published tables, writing into a temporary folder: the figures job draws the area's charts; the
appendix job executes the notebook with papermill (a kernel process), writes the two documents'
HTML, the analysts' HTML and the two tagged PDFs. CPU is user + system time of the job's process
and every process it waited for (papermill and its kernel), so it does not depend on how busy the
machine is, unlike wall time. Each step's share is printed too. Prints Markdown; the target is at
most 6 CPU seconds per area for both jobs (issue 13). To compare code, run it once with
``PYTHONPATH=<other checkout>/src`` and ``--template <other checkout>/notebooks/area_appendix.ipynb``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
TARGET_CPU_S = 6.0


def cpu(who: int) -> float:
    """User + system CPU seconds of this process or of its waited-for children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def cpu_all() -> float:
    """CPU seconds of this process and of the children it waited for."""
    return cpu(resource.RUSAGE_SELF) + cpu(resource.RUSAGE_CHILDREN)


def figures_job(params: dict, out: Path) -> dict[str, float]:
    """The figures script's work, timed per step (in the child interpreter)."""
    started = cpu(resource.RUSAGE_SELF)
    from birthgaps.appendix import figures
    from birthgaps.appendix import inputs as read

    imported = cpu(resource.RUSAGE_SELF)
    tables = Path(params["rates_csv"]).parent
    read.use_outcomes_csv(tables / "outcomes.csv")
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    written = figures.write_area_figures(
        read.read_rates(params["rates_csv"]),
        read.read_models(params["models_csv"]),
        read.read_flow(params["flow_csv"]),
        params["area_code"],
        out,
        trends=read.read_trends(params["trends_csv"]),
        inequality=read.read_inequality(params["inequality_csv"]),
        funnel=read.read_funnel(params["funnel_csv"]),
        risk_ratios=read.read_risk_ratios(params["risk_ratios_csv"]),
        synthetic=params["synthetic"],
        disclosure=config["disclosure"],
    )
    done = cpu(resource.RUSAGE_SELF)
    return {
        "figures: imports": imported - started,
        "figures: read tables, draw and save": done - imported,
        "charts": sum(p.suffix == ".png" for p in written),
    }


def appendix_job(params: dict, out: Path, template: Path) -> dict[str, float]:
    """The appendix script's work, timed per step (in the child interpreter)."""
    started = cpu(resource.RUSAGE_SELF)
    from birthgaps.appendix.notebook import render_analyst_html, render_appendix
    from birthgaps.appendix.pdf import html_to_pdf

    imported = cpu_all()
    executed, page, annex = out / "a.ipynb", out / "a.html", out / "a_annex.html"
    kids = cpu(resource.RUSAGE_CHILDREN)
    render_appendix(template, executed, page, params, sys.executable, out / "log", annex=annex)
    kernel = cpu(resource.RUSAGE_CHILDREN) - kids
    html = cpu_all()
    try:
        render_analyst_html(executed, out / "a.code.html")
    except TypeError:  # the code before issue 13 converted it in a second interpreter
        render_analyst_html(executed, out / "a.code.html", sys.executable)
    analyst = cpu_all()
    pages = html_to_pdf(page, out / "a.pdf", synthetic=params["synthetic"])
    committee = cpu_all()
    pages_annex = html_to_pdf(annex, out / "a_annex.pdf", synthetic=params["synthetic"])
    done = cpu_all()
    return {
        "appendix: imports": imported - started,
        "appendix: papermill and kernel (processes)": kernel,
        "appendix: committee and annex HTML (nbconvert)": html - imported - kernel,
        "appendix: analysts' HTML (nbconvert, with code)": analyst - html,
        f"appendix: committee PDF ({pages} pages)": committee - analyst,
        f"appendix: annex PDF ({pages_annex} pages)": done - committee,
    }


def child(args: argparse.Namespace) -> None:
    """Run one job in this (fresh) interpreter and print its step times as JSON."""
    params = json.loads(args.params)
    out = Path(args.out)
    if args.child == "figures":
        steps = figures_job(params, out)
    else:
        steps = appendix_job(params, out, Path(args.template))
    print(json.dumps(steps))


def run_job(job: str, params: dict, out: Path, template: Path) -> tuple[dict, float, float]:
    """One job in a fresh interpreter: its steps, CPU seconds (itself and its children), wall."""
    command = [sys.executable, __file__, "--child", job, "--params", json.dumps(params)]
    command += ["--out", str(out), "--template", str(template)]
    before, started = cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"the {job} job failed:\n{result.stderr[-2000:]}")
    steps = json.loads(result.stdout.strip().splitlines()[-1])
    return steps, cpu(resource.RUSAGE_CHILDREN) - before, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default=None, help="area code (default: the first configured)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--template", default=str(REPO / "notebooks" / "area_appendix.ipynb"))
    parser.add_argument("--child", choices=("figures", "appendix"), help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from render_area import parameters

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    area = args.area or next(iter(config["areas"]))
    params = parameters(REPO / "results" / config["release"], area, config)
    runs = []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="birthgaps-area-cpu-") as tmp:
            params["figures_dir"] = str(Path(tmp) / "figures")
            steps, fig_cpu, fig_wall = run_job("figures", params, Path(tmp) / "figures", Path())
            app, app_cpu, app_wall = run_job("appendix", params, Path(tmp), Path(args.template))
            runs.append(
                {
                    **steps,
                    **app,
                    "figures job": fig_cpu,
                    "appendix job": app_cpu,
                    "wall": fig_wall + app_wall,
                }
            )
    print(f"CPU seconds of one area ({area}), {args.repeats} runs, median:\n")
    print("| step | CPU s (median) | min | max |\n|---|---:|---:|---:|")
    for step in (k for k in runs[0] if k != "charts"):
        values = [run[step] for run in runs]
        print(
            f"| {step} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} |"
        )
    totals = [run["figures job"] + run["appendix job"] for run in runs]
    total = statistics.median(totals)
    print(f"| **both jobs, CPU** | **{total:.2f}** | {min(totals):.2f} | {max(totals):.2f} |")
    print(
        f"\n{runs[0]['charts']:.0f} charts. Target: at most {TARGET_CPU_S:.0f} CPU s per area; ",
        end="",
    )
    print("met." if total <= TARGET_CPU_S else "NOT met.")


if __name__ == "__main__":
    main()
