"""Wall time of the default `forecast run` on the bundled data (target: under 120 s on
2 cores, with the partner stage), cold (fresh model store) and warm (saved models reused).

    python benchmarks/run_speed.py [--jobs 2]

Writes ``benchmarks/results/run_speed.md`` and, when Debian's headless Chromium is
installed, a screenshot of the report to ``benchmarks/results/report.png``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def timed_run(out: Path, store: Path, jobs: int) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "forecast",
            "run",
            "--out",
            str(out),
            "--store",
            str(store),
            "--jobs",
            str(jobs),
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    print(proc.stdout)
    return seconds


def screenshot(report: Path, target: Path) -> bool:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        return False
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                "--window-size=1280,1500",
                f"--screenshot={target}",
                report.as_uri(),
            ],
            capture_output=True,
            timeout=120,
        )
    return target.exists()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cold = timed_run(tmp / "cold", tmp / "store", args.jobs)
        warm = timed_run(tmp / "warm", tmp / "store", args.jobs)
        shot = screenshot(tmp / "cold" / "report.html", RESULTS / "report.png")
    text = (
        f"Default `forecast run` on the bundled data, {args.jobs} jobs, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}.\n\n"
        f"| run | wall seconds |\n|---|---|\n| cold (fresh store) | {cold:.1f} |\n"
        f"| warm (saved models reused) | {warm:.1f} |\n\n"
        f"Target: under 120 s. Cold/target ratio {cold / 120:.2f}. Warm/cold ratio "
        f"{warm / cold:.2f} (a warm rerun reuses each series' saved backtest and ensemble; "
        "target at most 0.5).\n"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "run_speed.md").write_text(text)
    print(
        text + (f"screenshot: {RESULTS / 'report.png'}" if shot else "no chromium: no screenshot")
    )


if __name__ == "__main__":
    main()
