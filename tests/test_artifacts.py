"""Artifacts: round trips, verification before unpickling, atomic saves, the store."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap
import time

import joblib
import numpy as np
import pandas as pd
import pytest

from forecast.artifacts import ArtifactVersionWarning, load, read_manifest, save
from forecast.cli import main
from forecast.errors import ArtifactError
from forecast.models import available, get
from forecast.store import TEMP_GRACE_SECONDS, ModelStore, slug
from tests.conftest import synthetic_seasonal


@pytest.fixture(scope="module")
def y():
    return synthetic_seasonal(n=60, seed=8)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("FORECAST_SIGNING_KEY", raising=False)
    return ModelStore(tmp_path / "store")


@pytest.mark.parametrize("name", available())
def test_round_trip_gives_identical_forecasts(name, y, store):
    model = get(name).fit(y)
    path = store.save(model, metadata={"metrics": {"mase": 0.9}})
    again = load(path)
    pd.testing.assert_frame_equal(model.predict(9), again.predict(9))
    np.testing.assert_array_equal(
        model.sample(4, 20, random_state=3), again.sample(4, 20, random_state=3)
    )
    manifest = read_manifest(path)
    assert manifest["series_id"] == y.name and manifest["model"]["name"] == name
    assert manifest["training"]["fingerprint"] == model.data_fingerprint_
    assert manifest["metadata"]["metrics"]["mase"] == 0.9
    assert manifest["payload"]["bytes"] == (path / "model.joblib").stat().st_size


class _Trap:
    """Unpickling this creates a file: proof of whether a payload was unpickled."""

    def __init__(self, target: str):
        self.target = target

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.target),))


def test_changed_payload_is_refused_before_unpickling(y, store, tmp_path):
    path = store.save(get("naive").fit(y))
    marker = tmp_path / "unpickled.txt"
    joblib.dump(_Trap(str(marker)), path / "model.joblib")
    with pytest.raises(ArtifactError, match=r"SHA-256 does not match.*not unpickled"):
        load(path)
    assert not marker.exists()


def test_one_byte_change_is_refused(y, store):
    path = store.save(get("theta").fit(y))
    data = bytearray((path / "model.joblib").read_bytes())
    data[len(data) // 2] ^= 0x01
    (path / "model.joblib").write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="SHA-256 does not match"):
        load(path)


def test_signing_key(y, store, tmp_path, monkeypatch):
    unsigned = store.save(get("naive").fit(y))
    monkeypatch.setenv("FORECAST_SIGNING_KEY", "team-secret")
    signed = store.save(get("drift").fit(y))
    assert load(signed).model_name == "drift"
    with pytest.raises(ArtifactError, match="not signed with this team's key"):
        load(unsigned)
    # an attacker who rewrites payload and hash, but lacks the key, is refused
    marker = tmp_path / "owned.txt"
    joblib.dump(_Trap(str(marker)), signed / "model.joblib")
    manifest = json.loads((signed / "manifest.json").read_text())
    import hashlib

    manifest["payload"]["sha256"] = hashlib.sha256(
        (signed / "model.joblib").read_bytes()
    ).hexdigest()
    (signed / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="not signed"):
        load(signed)
    assert not marker.exists()


def test_newer_format_refused(y, store):
    path = store.save(get("naive").fit(y))
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["format_version"] = 99
    manifest["versions"]["trade-forecast"] = "9.0.0"
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=r"format 99, newer than the 1.*9\.0\.0 or later"):
        load(path)


def test_version_mismatch_warns_or_refuses(y, store):
    path = store.save(get("naive").fit(y))
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["versions"]["statsmodels"] = "0.1.0"
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.warns(ArtifactVersionWarning, match=r"statsmodels 0\.1\.0 -> "):
        load(path)
    with pytest.raises(ArtifactError, match="refusing in strict mode"):
        load(path, strict=True)


def test_never_overwrites(y, store):
    model = get("naive").fit(y)
    first = store.save(model)
    second = store.save(model)
    assert first.name == "v0001" and second.name == "v0002"
    with pytest.raises(ArtifactError, match="already exists"):
        save(model, first)


def test_killed_save_leaves_previous_version(y, store):
    first = store.save(get("naive").fit(y))
    script = textwrap.dedent(f"""
        import os, joblib
        import forecast.artifacts as art
        from forecast.models import get
        from forecast.store import ModelStore
        from tests.conftest import synthetic_seasonal
        def dying_dump(obj, fh, compress=3):
            fh.write(b"partial bytes")
            fh.flush()
            os._exit(9)  # killed mid-write
        art.joblib.dump = dying_dump
        ModelStore({str(store.root)!r}).save(get("naive").fit(synthetic_seasonal(n=60, seed=8)))
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=pathlib.Path(__file__).parents[1],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 9
    assert store.versions(y.name, "naive") == [first]
    assert store.list()["version"].tolist() == ["v0001"]
    assert load(store.latest(y.name, "naive")).model_name == "naive"
    leftovers = [p for p in first.parent.iterdir() if p.name.startswith(".")]
    assert leftovers  # the partial save is there, hidden, and ignored...
    store.prune(keep=5)
    assert leftovers[0].exists()  # ...spared while young: it may be a save in progress...
    old = time.time() - 2 * TEMP_GRACE_SECONDS
    os.utime(leftovers[0], (old, old))
    store.prune(keep=5)
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".")]  # ...then pruned


@pytest.mark.parametrize("sid", ["../../etc/passwd", "/abs/path", "a/../../b", "..", "x\0y"])
def test_ids_cannot_escape_the_store(sid, y, store):
    model = get("naive").fit(y.rename(sid))
    path = store.save(model)
    assert store.root in path.resolve().parents
    assert "/" not in slug(sid) and slug(sid) not in (".", "..")
    assert store.load(sid, "naive").series_id_ == sid


def test_prune_keeps_newest(y, store):
    model = get("naive").fit(y)
    paths = [store.save(model) for _ in range(4)]
    removed = store.prune(keep=2)
    assert sorted(removed) == paths[:2]
    assert store.versions(y.name, "naive") == paths[2:]


def test_refresh_extends_and_records_parent(y, store):
    store.save(get("ets").fit(y.iloc[:48]))
    new = store.refresh(y.name, "ets", y)
    manifest = read_manifest(new)
    assert new.name == "v0002" and manifest["parent"].endswith("v0001")
    assert manifest["training"]["end"] == str(y.index[-1])
    refitted = store.refresh(y.name, "ets", y, refit=True)
    assert refitted.name == "v0003"


def test_cli_fit_then_predict_reproduces_fit_time_forecast(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FORECAST_SIGNING_KEY", raising=False)
    from forecast import datasets
    from forecast.data import select

    series = "China/World/exports/total"
    assert (
        main(
            [
                "fit",
                "--dataset",
                "china_total_annual",
                "--series",
                series,
                "--model",
                "theta",
                "--store",
                str(tmp_path / "s"),
            ]
        )
        == 0
    )
    path = capsys.readouterr().out.strip()
    out = tmp_path / "fc.csv"
    assert main(["predict", path, "--h", "3", "--out", str(out)]) == 0
    written = pd.read_csv(out, float_precision="round_trip")  # pandas 2's fast parser is 1 ulp off
    y = select(datasets.load("china_total_annual"), series)
    direct = get("theta").fit(y).predict(3)
    np.testing.assert_array_equal(written["mean"].to_numpy(), direct["mean"].to_numpy())
    np.testing.assert_array_equal(written["hi-95"].to_numpy(), direct["hi-95"].to_numpy())
    assert main(["models", "list", "--store", str(tmp_path / "s")]) == 0
    assert "theta" in capsys.readouterr().out


def test_cli_bad_param_is_one_line(tmp_path, capsys):
    code = main(
        [
            "fit",
            "--dataset",
            "china_total_annual",
            "--series",
            "China/World/exports/total",
            "--model",
            "ets",
            "--param",
            "seasonal_periods=4",
            "--store",
            str(tmp_path),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Unknown parameter(s) seasonal_periods" in err
