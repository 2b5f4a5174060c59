"""End-to-end runs of the main job on a small config, and the report in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape

import pytest

from forecast.cli import main

SMALL = """
[run]
seed = 3
n_paths = 200
candidates = ["naive", "drift", "theta"]
ensemble_size = 2
windows = 2

[[series]]
dataset = "china_total_annual"
id = "China/World/exports/total"

[[series]]
dataset = "china_total_annual"
id = "China/World/imports/total"
"""


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    cfg = root / "small.toml"
    cfg.write_text(SMALL)
    code = main(
        [
            "run",
            "--config",
            str(cfg),
            "--out",
            str(root / "out"),
            "--store",
            str(root / "store"),
            "--quiet",
        ]
    )
    return root, cfg, code


def _summary(path):
    data = json.loads((path / "summary.json").read_text())
    data.pop("created")
    return data


def test_run_writes_every_output(first_run):
    root, _, code = first_run
    out = root / "out"
    assert code == 0
    for name in (
        "report.html",
        "summary.json",
        "forecasts.csv",
        "backtest.csv",
        "risk.csv",
        "run.log",
        "partners.csv",
        "partner_diversion.csv",
        "sectors.csv",
        "sector_outlook.csv",
    ):
        assert (out / name).stat().st_size > 0, name
    summary = _summary(out)
    exports = summary["series"][0]
    assert exports["outlook"]["year"] == 2026
    assert 0 <= exports["outlook"]["p_growth_ge_0"] <= 1
    assert set(exports["ensemble_weights"]) <= {"naive", "drift", "theta"}
    assert summary["risk"][0]["series_id"] == "China/World/exports/total"
    assert summary["risk"][0]["level"] in ("low", "elevated", "high")
    assert "backtest done" in (out / "run.log").read_text()
    partners = summary["partners"]  # the default [partners] section applies
    assert partners["year"] == 2026 and partners["method"] == "mint_shrink"
    assert partners["outlook"][0]["node"] == "World"
    contributions = sum(r["expected_contribution_pp"] for r in partners["outlook_contributions"])
    assert contributions == pytest.approx(100 * partners["outlook"][0]["expected_growth"], abs=1e-4)
    html = unescape((out / "report.html").read_text())
    assert "Where exports go" in html
    # the report answers first: the headline comes before every table
    assert html.index('class="headline"') < html.index("<table")
    assert "China's total exports are expected to grow" in html
    assert "likely to contract when P(growth" in html  # the verdict rule beside verdicts


@pytest.mark.parametrize("store", ["same", "fresh"])
def test_run_and_risk_give_one_answer(first_run, tmp_path, capsys, store):
    """Same data, config and seed: `forecast risk` gives the run's scores, verdicts and
    probabilities, whether it reuses the run's saved ensembles or fits its own in memory
    (and then leaves the store untouched)."""
    root, cfg, _ = first_run
    folder = root / "store" if store == "same" else tmp_path / "fresh"
    capsys.readouterr()
    assert main(["risk", "--config", str(cfg), "--store", str(folder), "--json"]) == 0
    risk = {r["series_id"]: r for r in json.loads(capsys.readouterr().out)}
    ran = {r["series_id"]: r for r in _summary(root / "out")["risk"]}
    assert risk.keys() == ran.keys() and risk
    for sid, row in ran.items():
        for key in ("score", "level", "verdict", "p_growth_ge_0", "expected_growth"):
            assert risk[sid][key] == row[key], (sid, key)
    assert not (tmp_path / "fresh").exists()


def test_rerun_reuses_artifacts_and_reproduces_summary(first_run):
    root, cfg, _ = first_run
    assert (
        main(
            [
                "run",
                "--config",
                str(cfg),
                "--out",
                str(root / "again"),
                "--store",
                str(root / "store"),
                "--quiet",
            ]
        )
        == 0
    )
    a, b = _summary(root / "out"), _summary(root / "again")
    assert all(s["artifact_reused"] and s["backtest_reused"] for s in b["series"])
    assert not any(s["backtest_reused"] for s in a["series"])
    for s in a["series"]:
        s["artifact_reused"] = s["backtest_reused"] = True
    assert a == b  # the same numbers, leaderboards included, without refitting anything
    for name in ("backtest.csv", "forecasts.csv", "risk.csv"):
        assert (root / "out" / name).read_bytes() == (root / "again" / name).read_bytes()


def test_fresh_store_gives_the_same_numbers(first_run, tmp_path):
    root, cfg, _ = first_run
    assert (
        main(
            [
                "run",
                "--config",
                str(cfg),
                "--out",
                str(tmp_path / "o"),
                "--store",
                str(tmp_path / "s"),
                "--quiet",
                "--refit",
            ]
        )
        == 0
    )
    assert _summary(root / "out") == _summary(tmp_path / "o")


def test_refit_saves_new_versions(first_run, tmp_path):
    root, cfg, _ = first_run
    store = tmp_path / "store"
    shutil.copytree(root / "store", store)
    assert (
        main(
            [
                "run",
                "--config",
                str(cfg),
                "--out",
                str(tmp_path / "o"),
                "--store",
                str(store),
                "--quiet",
                "--refit",
            ]
        )
        == 0
    )
    summary = _summary(tmp_path / "o")
    assert all(
        not s["artifact_reused"] and s["artifact"].endswith("v0002") for s in summary["series"]
    )
    assert not any(s["backtest_reused"] for s in summary["series"])  # --refit backtests too


def test_models_saved_without_data_are_reused_with_the_same_numbers(first_run, tmp_path):
    from forecast.artifacts import read_manifest

    root = first_run[0]
    lean = tmp_path / "lean.toml"
    lean.write_text(SMALL.replace("windows = 2", "windows = 2\nkeep_data = false"))
    for out in ("a", "b"):
        assert (
            main(
                [
                    "run",
                    "--config",
                    str(lean),
                    "--out",
                    str(tmp_path / out),
                    "--store",
                    str(tmp_path / "s"),
                    "--quiet",
                ]
            )
            == 0
        )
    a, b = _summary(tmp_path / "a"), _summary(tmp_path / "b")
    assert all(s["artifact_reused"] for s in b["series"])
    assert all(
        read_manifest(tmp_path / "s" / s["artifact"])["training"]["data_kept"] is False
        for s in b["series"]
    )
    full = _summary(root / "out")
    assert [s["outlook"] for s in b["series"]] == [s["outlook"] for s in full["series"]]
    assert [s["outlook"] for s in a["series"]] == [s["outlook"] for s in b["series"]]


def test_failing_series_is_reported_and_the_rest_completes(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        SMALL + '\n[[series]]\ndataset = "china_total_annual"\nid = "No/Such/series/x"\n'
    )
    code = main(
        [
            "run",
            "--config",
            str(cfg),
            "--out",
            str(tmp_path / "o"),
            "--store",
            str(tmp_path / "s"),
            "--quiet",
        ]
    )
    assert code == 1
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["failed"] is True
    bad = summary["series"][-1]
    assert bad["errors"] and "No series matches" in bad["errors"][0]
    assert summary["series"][0]["outlook"]["year"] == 2026
    assert "No/Such/series/x" in capsys.readouterr().err
    assert "No series matches" in (tmp_path / "o" / "report.html").read_text()


@pytest.mark.parametrize(
    "text, key",
    [
        ("[run]\nwindows = 0\n", "run.windows"),
        ('[run]\ncandidates = ["prophet"]\n', "run.candidates"),
        ("[run]\nspeed = 1\n", "run.speed"),
        ('[run]\ntransform = "sqrt"\n', "run.transform"),
        ('[[series]]\nid = "x"\n', "series[0]"),
        ("[run\n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(tmp_path, capsys, text, key):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    assert main(["run", "--config", str(cfg), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and key in err


def test_labels_are_escaped(tmp_path):
    evil = "<img src=x onerror=alert(1)>"  # no '/': ids join their parts with it
    rows = "".join(
        f"{evil},World,exports,total,{y}-01-01,{100 + 5 * (y - 2000)},USD billion\n"
        for y in range(2000, 2016)
    )
    data = tmp_path / "evil.csv"
    data.write_text("reporter,partner,flow,product,date,value,unit\n" + rows)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[run]\nn_paths = 100\ncandidates = ["naive", "drift"]\nwindows = 2\n'
        f'[[series]]\ncsv = "{data}"\nid = "{evil}/World/exports/total"\n'
    )
    assert (
        main(
            [
                "run",
                "--config",
                str(cfg),
                "--out",
                str(tmp_path / "o"),
                "--store",
                str(tmp_path / "s"),
                "--quiet",
            ]
        )
        == 0
    )
    html = (tmp_path / "o" / "report.html").read_text()
    assert "<img" not in html.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian package 'chromium'; .ci/run installs it)",
)
def test_report_renders_in_headless_chromium(first_run, tmp_path):
    root, _, _ = first_run
    report = root / "out" / "report.html"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    shot = tmp_path / "report.png"
    proc = subprocess.run(
        [CHROMIUM, *flags, "--window-size=1280,2400", f"--screenshot={shot}", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    # two series with a fan and a backtest chart each, two partner charts, six sectors
    charts = re.findall(r"<svg.*?</svg>", dom, flags=re.S)
    assert len(charts) == 12 and "Overcapacity and sustainability" in dom
    assert "Where exports go" in dom and "Sectors: overcapacity where it is made" in dom
    assert 'class="headline"' in dom
    # every chart has axis labels (matplotlib writes them as text); the annual series'
    # charts show their forecast (a one-step point with its interval, in the legend)
    for chart in charts:
        texts = set(re.findall(r"<text[^>]*>([^<]+)</text>", chart))
        assert len(texts) >= 4, texts
    fans = [c for c in charts if ">history and forecast" in c or "forecast (mean)" in c]
    assert len(fans) == 2 and all("forecast (mean)" in c and ">period<" in c for c in fans)
    assert all("USD billion" in c for c in fans)  # the unit on the axis
    # no note is cut: every risk note of the summary stands whole in the page
    summary = json.loads((root / "out" / "summary.json").read_text())
    text = unescape(re.sub(r"<[^>]+>", "", dom))
    for row in summary["risk"]:
        assert row["notes"] in text
    # at 400 px nothing spills out of the page (tables scroll inside their container):
    # measured in the browser on a copy with a measuring script (the report has none)
    probe = tmp_path / "probe.html"
    probe.write_text(
        report.read_text().replace(
            "</body>",
            "<script>document.body.setAttribute('data-overflow', String("
            "document.documentElement.scrollWidth - window.innerWidth));</script></body>",
        )
    )
    narrow = subprocess.run(
        [CHROMIUM, *flags, "--window-size=400,2400", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    overflow = re.search(r'data-overflow="(-?\d+)"', narrow)
    assert overflow is not None and int(overflow.group(1)) <= 0, overflow
    shutil.copy(shot, root / "out" / "report.png")
