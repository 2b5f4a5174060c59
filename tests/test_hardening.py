"""Hardening: what an attacker or a careless user tries (issue 16).

Every test here failed on the code before the fix it guards. Series are synthetic and
labelled so; no network.
"""

from __future__ import annotations

import errno
import io
import json
import os
import threading
import time

import joblib
import numpy as np
import pandas as pd
import pytest

import forecast.artifacts as art
from forecast._text import printable, spreadsheet_safe
from forecast.artifacts import load, read_manifest, save
from forecast.cli import main
from forecast.config import load_config
from forecast.data import read_csv
from forecast.errors import ArtifactError, ConfigError, DataError
from forecast.models import get
from forecast.pipeline import new_run_dir
from forecast.store import MARKER, TEMP_GRACE_SECONDS, ModelStore
from tests.conftest import HEADER, monthly_rows, synthetic_seasonal


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def fitted():
    return get("naive").fit(synthetic_seasonal(n=48, seed=1))


# -- 1, 2: the store deletes nothing that is not its own ---------------------------------
def test_prune_refuses_an_ordinary_folder_and_touches_nothing(tmp_path, capsys):
    victim = tmp_path / "project"
    for rel in (".git/objects/x", ".venv/lib/y", "src/v0001/keep", "a/b/v0002/keep"):
        (victim / rel).parent.mkdir(parents=True, exist_ok=True)
        (victim / rel).write_text("precious")
    before = sorted(p.relative_to(victim) for p in victim.rglob("*"))
    with pytest.raises(ArtifactError, match="not a forecast model store"):
        ModelStore(victim).prune(keep=1)
    with pytest.raises(ArtifactError, match="not a forecast model store"):
        ModelStore(victim).list()
    assert main(["models", "prune", "--keep", "1", "--store", str(victim)]) == 2
    assert "not a forecast model store" in _one_error_line(capsys)
    assert sorted(p.relative_to(victim) for p in victim.rglob("*")) == before


def test_prune_does_not_follow_links_out_of_the_store(tmp_path, fitted):
    store = ModelStore(tmp_path / "store")
    for _ in range(3):
        store.save(fitted)
    outside = tmp_path / "outside"
    for v in ("v0001", "v0002", "v0003", ".v0004.abc.tmp"):
        (outside / v).mkdir(parents=True)
        (outside / v / "data").write_text("precious")
    series_dir = next(p for p in store.root.iterdir() if p.is_dir())
    (series_dir / "linked-0123abcd").symlink_to(outside, target_is_directory=True)
    (store.root / "alias-0123abcd").symlink_to(series_dir, target_is_directory=True)
    old = time.time() - 2 * TEMP_GRACE_SECONDS
    os.utime(outside / ".v0004.abc.tmp", (old, old))
    removed = store.prune(keep=1)
    assert len(removed) == 2  # v0001 and v0002 of the real model folder, nothing else
    assert all(store.root in p.resolve().parents for p in removed)
    assert sorted(p.name for p in outside.iterdir()) == [
        ".v0004.abc.tmp",
        "v0001",
        "v0002",
        "v0003",
    ]


def test_store_is_created_with_its_marker_and_an_empty_folder_becomes_one(tmp_path, fitted):
    store = ModelStore(tmp_path / "new")
    assert store.list().empty  # a missing store lists as empty and is not created
    assert not store.root.exists()
    store.save(fitted)
    assert (store.root / MARKER).is_file()
    (tmp_path / "empty").mkdir()
    ModelStore(tmp_path / "empty").save(fitted)
    assert (tmp_path / "empty" / MARKER).is_file()


def test_concurrent_saves_survive_pruning(tmp_path):
    store = ModelStore(tmp_path / "store")
    y = synthetic_seasonal(n=48, seed=2)
    store.save(get("naive").fit(y))
    errors, saved = [], []
    stop = threading.Event()

    def saver():
        try:
            for _ in range(15):
                saved.append(store.save(get("naive").fit(y)))
        except Exception as exc:  # pragma: no cover - the failure this test is about
            errors.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=saver)
    thread.start()
    while not stop.is_set():
        store.prune(keep=50)
    thread.join()
    assert not errors
    assert len(saved) == 15 and all((p / "manifest.json").is_file() for p in saved)


# -- 3: the payload that is checked is the payload that runs ------------------------------
class _Boom:
    """Unpickling this sets a flag: the stand-in for an attacker's code."""

    ran = False

    def __reduce__(self):
        return (_flag, ())


def _flag():
    _Boom.ran = True
    return "pwned"


def test_payload_swapped_after_the_hash_check_is_not_run(tmp_path, fitted, monkeypatch):
    monkeypatch.setenv(art.SIGNING_KEY_ENV, "team-secret")
    path = save(fitted, tmp_path / "a")
    evil = io.BytesIO()
    joblib.dump(_Boom(), evil)
    real_sha = art.hashlib.sha256
    original = (path / "model.joblib").read_bytes()

    class SwapAfterHash:
        """sha256 that swaps the file on disk right after it has hashed the payload."""

        def __init__(self, data=b"", **kwargs):
            self._h = real_sha(data, **kwargs)
            self._swap(data)

        def _swap(self, data):
            if bytes(data[:64]) == original[:64]:  # the payload, not the manifest's HMAC
                (path / "model.joblib").write_bytes(evil.getvalue())

        def update(self, data):
            self._h.update(data)
            self._swap(data)

        def __getattr__(self, name):
            return getattr(self._h, name)

    monkeypatch.setattr(art.hashlib, "sha256", SwapAfterHash)
    model = load(path)
    assert not _Boom.ran
    assert model.model_name == "naive"


def test_manifest_cannot_point_the_payload_outside_the_folder(tmp_path, fitted, monkeypatch):
    monkeypatch.setenv(art.SIGNING_KEY_ENV, "team-secret")
    path = save(fitted, tmp_path / "a")
    other = save(fitted, tmp_path / "b")
    manifest = read_manifest(path)
    manifest["payload"]["file"] = f"../{other.name}/model.joblib"
    manifest["signature"] = art._signature(manifest, b"team-secret")
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=r"only model\.joblib inside"):
        load(path)


def test_an_empty_signing_key_is_refused(tmp_path, fitted, monkeypatch):
    path = save(fitted, tmp_path / "a")
    monkeypatch.setenv(art.SIGNING_KEY_ENV, "")
    with pytest.raises(ArtifactError, match="set but empty"):
        load(path)
    with pytest.raises(ArtifactError, match="set but empty"):
        save(fitted, tmp_path / "b")


@pytest.mark.parametrize(
    "damage",
    [
        lambda m: [m],
        lambda m: {k: v for k, v in m.items() if k != "payload"},
        lambda m: {**m, "signature": 123},
        lambda m: {**m, "model": "naive"},
    ],
)
def test_damaged_manifests_are_errors_and_listed_as_damaged(tmp_path, fitted, damage, capsys):
    store = ModelStore(tmp_path / "store")
    good = store.save(fitted)
    bad = store.save(fitted)
    (bad / "manifest.json").write_text(json.dumps(damage(read_manifest(bad))))
    with pytest.raises(ArtifactError):
        load(bad)
    table = store.list()
    assert table.set_index("version").loc[good.name, "status"] == "ok"
    assert table.set_index("version").loc[bad.name, "status"].startswith("damaged")
    assert main(["models", "list", "--store", str(store.root)]) == 0
    assert main(["predict", str(bad), "--h", "2"]) == 2
    _one_error_line(capsys)


# -- 4, 5: run folders are unique, and summary.json is written last -----------------------
def test_run_folders_are_unique_within_one_second(tmp_path):
    folders = [new_run_dir(tmp_path) for _ in range(20)]
    assert len(set(folders)) == 20 and all(f.is_dir() for f in folders)


SMALL = """
[run]
n_paths = 100
candidates = ["naive", "drift"]
ensemble_size = 2
windows = 2

[[series]]
dataset = "china_total_annual"
id = "China/World/exports/total"
"""


def test_a_run_killed_while_writing_leaves_no_summary(tmp_path, monkeypatch):
    import forecast.report as report

    cfg = tmp_path / "c.toml"
    cfg.write_text(SMALL)
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text('{"failed": false}')  # from an earlier run

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "html", killed)
    assert (
        main(
            [
                "run",
                "--config",
                str(cfg),
                "--out",
                str(out),
                "--store",
                str(tmp_path / "s"),
                "--quiet",
            ]
        )
        == 130
    )
    assert not (out / "summary.json").exists()
    assert not (out / "report.html").exists()


def test_a_full_disk_is_one_line_and_keeps_old_outputs(tmp_path, monkeypatch, capsys):
    import forecast._io as io_mod

    data = tmp_path / "d.csv"
    data.write_text(HEADER + monthly_rows(60))
    out = tmp_path / "bt.csv"
    out.write_text("old results\n")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(io_mod.os, "fsync", full)
    code = main(
        [
            "backtest",
            "--csv",
            str(data),
            "--models",
            "naive",
            "--windows",
            "1",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 1
    assert "No space left on device" in _one_error_line(capsys)
    assert out.read_text() == "old results\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_run_log_failure_does_not_spam(tmp_path, capsys):
    import logging

    from forecast.pipeline import _RunLog

    handler = _RunLog(tmp_path / "x.log")
    handler.stream.close()  # every write now fails, as on a full disk
    record = logging.LogRecord("forecast", logging.INFO, "", 0, "msg", (), None)
    for _ in range(3):
        handler.handle(record)
    assert "Logging error" not in capsys.readouterr().err


# -- 6, 14: no formula cells, no forged lines ----------------------------------------------
def test_formula_like_labels_are_neutralised_in_csv(tmp_path):
    rows = "".join(
        f"=HYPERLINK(1),World,exports,total,{d:%Y-%m-%d},{100 + i},USD m\n"
        for i, d in enumerate(pd.date_range("2015-01-01", periods=48, freq="MS"))
    )
    data = tmp_path / "d.csv"
    data.write_text(HEADER + rows)
    out = tmp_path / "bt.csv"
    assert (
        main(
            [
                "backtest",
                "--csv",
                str(data),
                "--models",
                "naive",
                "--windows",
                "1",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    text = out.read_text()
    assert "\n=" not in text and ",=" not in text and "'=HYPERLINK(1)/World" in text
    frame = spreadsheet_safe(pd.DataFrame({"a": ["+1", "-x", "@y", "ok"], "b": [-1.5] * 4}))
    assert frame["a"].tolist() == ["'+1", "'-x", "'@y", "ok"]
    assert frame["b"].tolist() == [-1.5] * 4  # numbers stay numbers


def test_control_and_bidi_characters_are_escaped():
    assert printable("a\nb\u202ec\x1b") == "a\\u000ab\\u202ec\\u001b"
    assert printable("Côte d'Ivoire") == "Côte d'Ivoire"


def test_series_names_cannot_forge_log_lines(tmp_path):
    import logging

    from forecast.pipeline import _LogFormatter

    fmt = _LogFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord(
        "forecast", logging.INFO, "", 0, "validated %s", ("X\nERROR everything failed\u202e",), None
    )
    line = fmt.format(record)
    assert "\n" not in line and "\u202e" not in line and line.startswith("INFO validated X")


# -- 7, 8: no silent merge, no order-dependent frequency ----------------------------------
def test_a_slash_inside_a_key_part_is_refused(write):
    path = write(
        HEADER + "A/B,C,exports,total,2020-01-01,1,USD\nA,B/C,exports,total,2020-01-01,2,USD\n"
    )
    with pytest.raises(DataError, match="contains '/'"):
        read_csv(path)


def _rows(dates):
    return "".join(f"X,World,exports,total,{d},{100 + i},USD\n" for i, d in enumerate(dates))


def test_annual_values_in_a_monthly_series_are_refused_in_any_row_order(write):
    dates = ["2010-01-01", "2011-01-01", "2012-01-01"] + [f"2013-{m:02d}-01" for m in range(1, 13)]
    for order in (dates, dates[::-1], dates[3:] + dates[:3]):
        with pytest.raises(DataError, match="mixed frequencies"):
            read_csv(write(HEADER + _rows(order)))


def test_a_switch_from_monthly_to_quarterly_is_refused(write):
    dates = [f"2012-{m:02d}-01" for m in range(1, 13)] + [
        f"{y}-{m:02d}-01" for y in (2013, 2014) for m in (1, 4, 7, 10)
    ]
    with pytest.raises(DataError, match="quarterly dates alongside monthly"):
        read_csv(write(HEADER + _rows(dates)))


# -- 9: a defined result or a clear error -----------------------------------------------
def _strict_json(text):
    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    "values, why",
    [
        ([0.0] * 60, "constant or exactly repeating"),
        ([100.0 + i for i in range(59)] + [1e308], "overflow"),
    ],
)
def test_risk_json_is_json_and_says_why_there_is_no_outlook(write, capsys, values, why):
    dates = pd.date_range("2010-01-01", periods=60, freq="MS")
    path = write(
        HEADER
        + "".join(
            f"X,World,exports,total,{d:%Y-%m-%d},{v!r},USD\n"
            for d, v in zip(dates, values, strict=True)
        )
    )
    assert main(["risk", "--csv", str(path), "--json"]) == 1  # ran; the series failed
    captured = capsys.readouterr()
    rows = _strict_json(captured.out)
    assert rows[0]["verdict"] == "not available" and rows[0]["p_growth_ge_0"] is None
    assert why in rows[0]["notes"]
    assert (
        captured.err.startswith("failed: X/World/exports/total") and "Traceback" not in captured.err
    )


def test_constant_series_get_the_constant_or_a_clear_error():
    y = pd.Series(5.0, index=pd.period_range("2010-01", periods=60, freq="M"), name="c")
    for name in ("naive", "snaive", "drift", "ets", "autotheta"):
        paths = get(name).fit(y).sample(12, 50, random_state=0)
        assert np.allclose(paths, 5.0), name
    for name in ("arima", "theta"):
        with pytest.raises(DataError, match="is constant"):
            get(name).fit(y)


def test_a_constant_series_in_the_main_job_says_why_it_cannot_be_ranked(tmp_path):
    data = tmp_path / "c.csv"
    data.write_text(
        HEADER + "".join(f"X,World,exports,total,{y}-01-01,7,USD\n" for y in range(2000, 2020))
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[run]\nn_paths = 100\ncandidates = ["naive", "drift"]\nwindows = 2\n'
        '[[series]]\ncsv = "c.csv"\nid = "X/World/exports/total"\n'
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
        == 1
    )
    summary = _strict_json((tmp_path / "o" / "summary.json").read_text())
    assert "seasonal-naive error is zero" in summary["series"][0]["errors"][0]


# -- 10, 11, 12: options are checked, not defaulted -------------------------------------
@pytest.fixture
def short_csv(write):
    return write(HEADER + monthly_rows(48))


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--h", "0"], "--h"),
        (["--step", "0"], "--step"),
        (["--jobs", "0"], "--jobs"),
        (["--h", "1000"], "too short"),
        (["--windows", "abc"], "--windows"),
    ],
)
def test_backtest_options_are_refused_in_one_line(short_csv, tmp_path, capsys, extra, words):
    code = main(
        [
            "backtest",
            "--csv",
            str(short_csv),
            "--models",
            "naive",
            "--out",
            str(tmp_path / "o.csv"),
            "--quiet",
            *extra,
        ]
    )
    assert code == 2
    assert words in _one_error_line(capsys)
    assert not (tmp_path / "o.csv").exists()


def test_backtest_says_how_many_windows_it_ran(short_csv, tmp_path, capsys):
    assert (
        main(
            [
                "backtest",
                "--csv",
                str(short_csv),
                "--models",
                "naive",
                "--windows",
                "100",
                "--out",
                str(tmp_path / "o.csv"),
                "--quiet",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "100 windows asked, 3 run (the series are too short for more)" in out


@pytest.mark.parametrize("out", ["dir", "file/below"])
def test_backtest_out_must_be_a_writable_file_path(short_csv, tmp_path, capsys, out):
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    assert (
        main(
            [
                "backtest",
                "--csv",
                str(short_csv),
                "--models",
                "naive",
                "--out",
                str(tmp_path / out),
                "--quiet",
            ]
        )
        == 2
    )
    _one_error_line(capsys)


def test_a_gap_in_a_backtest_csv_uses_the_span_after_it(write, tmp_path, capsys):
    rows = monthly_rows(60).splitlines(keepends=True)
    path = write(HEADER + "".join(rows[:10] + rows[12:]))
    assert (
        main(
            [
                "backtest",
                "--csv",
                str(path),
                "--models",
                "naive",
                "--windows",
                "2",
                "--out",
                str(tmp_path / "o.csv"),
                "--quiet",
            ]
        )
        == 0
    )
    assert "has gaps until 2020-12" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["fit", "--param", "damped=yes", "--model", "ets"], "'damped' parameter"),
        (["fit", "--param", "season_length=abc", "--model", "snaive"], "'season_length'"),
    ],
)
def test_fit_params_are_checked_before_fitting(short_csv, tmp_path, capsys, argv, words):
    code = main(
        [
            *argv,
            "--csv",
            str(short_csv),
            "--series",
            "China/United States/exports/total",
            "--store",
            str(tmp_path / "s"),
        ]
    )
    assert code == 2
    assert words in _one_error_line(capsys)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--h", "1000000000"], "--h"),
        (["--h", "2", "--level", "0.8"], "Did you mean 80"),
    ],
)
def test_predict_bounds(tmp_path, fitted, capsys, argv, words):
    path = save(fitted, tmp_path / "a")
    assert main(["predict", str(path), *argv]) == 2
    assert words in _one_error_line(capsys)


@pytest.mark.parametrize("keep", ["0", "-1"])
def test_prune_keep_must_be_positive(tmp_path, capsys, keep):
    assert main(["models", "prune", "--keep", keep, "--store", str(tmp_path)]) == 2
    _one_error_line(capsys)


def test_one_point_series_is_one_line(write, tmp_path, capsys):
    path = write(HEADER + monthly_rows(1))
    assert main(["backtest", "--csv", str(path), "--out", str(tmp_path / "o.csv"), "--quiet"]) == 2
    _one_error_line(capsys)


def test_workers_are_capped_at_cpus_and_tasks(monkeypatch):
    import forecast.backtest.engine as engine
    from forecast.backtest import Splitter, backtest

    seen = []
    real = engine.Parallel

    def spy(*args, **kwargs):
        seen.append(kwargs["n_jobs"])
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "Parallel", spy)
    backtest(["naive", "drift"], synthetic_seasonal(n=48), Splitter(h=3, n_windows=1), n_jobs=1000)
    assert seen == [min(2, os.cpu_count() or 1)]


# -- 13: configs: no lost keys, paths from the config's folder, no work on a missing file --
def test_unknown_series_key_is_refused(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[series]]\ndataset = "china_total_annual"\nid = "x"\ndrivr = {}\n')
    with pytest.raises(ConfigError, match=r"series\[0\]\.drivr"):
        load_config(cfg)


def test_relative_csv_is_read_from_the_config_folder(tmp_path, monkeypatch):
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "d.csv").write_text(HEADER + monthly_rows(24))
    cfg = tmp_path / "cfg" / "c.toml"
    cfg.write_text('[[series]]\ncsv = "d.csv"\nid = "China/United States/exports/total"\n')
    monkeypatch.chdir(tmp_path)
    assert load_config(cfg).series[0].csv == str(tmp_path / "cfg" / "d.csv")


def test_missing_csv_is_exit_2_before_any_work(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[series]]\ncsv = "nope.csv"\nid = "x"\n')
    assert main(["run", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 2
    assert "nope.csv" in _one_error_line(capsys)
    assert not (tmp_path / "o").exists()


def test_n_paths_is_bounded(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[run]\nn_paths = 1000000000\n")
    with pytest.raises(ConfigError, match=r"run\.n_paths"):
        load_config(cfg)


# -- 15: the usual pandas indexes ----------------------------------------------------------
@pytest.mark.parametrize(
    "freq, first",
    [("MS", "2003-05"), ("QS", "2010Q1"), ("YS", "2040"), ("ME", "2003-05"), ("QE-DEC", "2010Q1")],
)
def test_fit_accepts_a_datetime_index(freq, first):
    y = pd.Series(np.arange(40.0) + 10, index=pd.date_range("2000-01-01", periods=40, freq=freq))
    assert str(get("naive").fit(y).predict(1)["date"].iloc[0]) == first
    y.index = pd.DatetimeIndex(list(y.index))  # no freq set: inferred
    assert str(get("naive").fit(y).predict(1)["date"].iloc[0]) == first


def test_a_daily_index_is_a_typed_error():
    y = pd.Series(np.arange(40.0), index=pd.date_range("2000-01-01", periods=40, freq="D"))
    with pytest.raises(ValueError, match="monthly, quarterly or annual"):
        get("naive").fit(y)


def test_growth_from_a_zero_base_year_is_an_error_not_a_number():
    from forecast.outlook import outlook

    y = pd.Series(0.0, index=pd.period_range("2019-01", periods=24, freq="M"), name="zeros")
    with pytest.raises(DataError, match="growth is undefined from a zero"):
        outlook(get("naive").fit(y), y, n_paths=50)


def test_a_full_disk_in_fit_and_run_is_one_line_and_leaves_nothing_half_written(
    tmp_path, monkeypatch, capsys
):
    import forecast._io as io_mod

    data = tmp_path / "d.csv"
    data.write_text(HEADER + monthly_rows(60))
    cfg = tmp_path / "c.toml"
    cfg.write_text(SMALL)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("old report")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(art.os, "fsync", full)
    monkeypatch.setattr(io_mod.os, "fsync", full)
    store = tmp_path / "store"
    assert (
        main(
            [
                "fit",
                "--csv",
                str(data),
                "--series",
                "China/United States/exports/total",
                "--model",
                "naive",
                "--store",
                str(store),
            ]
        )
        == 1
    )
    assert "No space left on device" in _one_error_line(capsys)
    assert not [p for p in store.rglob("*") if p.name.startswith(".v")]  # no temp left
    code = main(
        ["run", "--config", str(cfg), "--out", str(out), "--store", str(tmp_path / "s2"), "--quiet"]
    )
    assert code == 1
    assert "No space left on device" in capsys.readouterr().err.splitlines()[-1]
    assert (out / "report.html").read_text() == "old report"  # the old output is kept
    assert not (out / "summary.json").exists()
