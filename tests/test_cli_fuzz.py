"""The command line under generated bad arguments and files (hypothesis).

Whatever is typed, ``forecast`` ends with exit code 0, 1 or 2, prints no traceback, at
most one ``error:`` line, and changes no file outside the folder the test gave it. The
CSV contents are synthetic, built from fragments of valid and invalid rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.artifacts import save
from forecast.cli import main
from forecast.models import get
from tests.conftest import HEADER, monthly_rows, synthetic_seasonal

REPO = Path(__file__).resolve().parents[1]

VALID = HEADER + monthly_rows(48)
ROW_BITS = [
    monthly_rows(30),
    monthly_rows(3),
    "China,World,exports,total,2020-13-01,1,USD\n",
    "China,World,exports,total,2020-01-01,abc,USD\n",
    "China,,exports,total,2020-01-01,1,USD\n",
    "=cmd,World,exports,total,2020-01-01,1,USD\n",
    "A/B,C,exports,total,2020-01-01,1,USD\n",
    "China,World,exports,total,2020-01-01,-5,USD\n",
    "China,World,exports,total,,1,USD\n",
    "China,World,exports,total,2021-01-01,1e999,USD\n",
    '"unclosed,1\n',
    "\x00\x01\n",
    "China,Wor\u202eld,exports,total,2020-02-01,1,USD\n",
    "x,y\n1,2\n",
]
CSV = st.one_of(
    st.just(VALID),
    st.lists(st.sampled_from(ROW_BITS), max_size=2).map(lambda rows: VALID + "".join(rows)),
    st.lists(st.sampled_from(ROW_BITS), max_size=4).map(lambda rows: HEADER + "".join(rows)),
    st.text(max_size=80),
)
TOKENS = st.sampled_from(
    [
        "0",
        "-1",
        "1",
        "3",
        "abc",
        "1e9",
        "0.8",
        "",
        "--",
        "-",
        "12",
        "naive",
        "nope",
        "ets,naive",
        "damped=yes",
        "x",
        "1000000000",
    ]
)
COMMANDS = st.sampled_from(
    [
        ["data", "validate", "{csv}"],
        ["data", "show", "{tok}"],
        ["backtest", "--csv", "{csv}", "--models", "naive", "--out", "{out}", "--quiet"],
        ["backtest", "--csv", "{csv}", "--models", "{tok}", "--h", "{tok}", "--out", "{out}"],
        [
            "backtest",
            "--csv",
            "{csv}",
            "--models",
            "naive",
            "--windows",
            "{tok}",
            "--step",
            "{tok}",
            "--jobs",
            "{tok}",
            "--out",
            "{out}",
            "--quiet",
        ],
        [
            "fit",
            "--csv",
            "{csv}",
            "--series",
            "China/United States/exports/total",
            "--model",
            "naive",
            "--param",
            "{tok}",
            "--store",
            "{store}",
        ],
        ["predict", "{artifact}", "--h", "{tok}", "--level", "{tok}"],
        ["predict", "{tok}", "--h", "2"],
        ["models", "prune", "--keep", "{tok}", "--store", "{store}"],
        ["models", "list", "--store", "{tok}"],
        ["models", "show", "{tok}"],
        ["risk", "--csv", "{csv}", "--year", "{tok}"],
        ["{tok}"],
        ["backtest", "{tok}", "{tok}"],
    ]
)


def _snapshot() -> dict[str, float]:
    """Every file of the checkout outside tool folders, with its modification time."""
    out = {}
    for root, dirs, files in os.walk(REPO):
        dirs[:] = [
            d
            for d in dirs
            if d
            not in {".venv", ".git", ".hypothesis", "__pycache__", ".pytest_cache", ".ruff_cache"}
        ]
        for name in files:
            path = os.path.join(root, name)
            out[path] = os.stat(path).st_mtime_ns
    return out


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    return str(
        save(get("naive").fit(synthetic_seasonal(n=36)), tmp_path_factory.mktemp("a") / "model")
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command=COMMANDS, csv=CSV, tokens=st.lists(TOKENS, min_size=4, max_size=4))
def test_cli_never_tracebacks(command, csv, tokens, tmp_path, artifact, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    monkeypatch.chdir(work)  # the default store and reports land here, if anywhere
    (work / "in.csv").write_text(csv, encoding="utf-8", errors="surrogatepass")
    toks = iter(tokens * 3)
    argv = [
        part.format(
            csv=work / "in.csv",
            out=work / "out.csv",
            store=work / "store",
            artifact=artifact,
            tok=next(toks) if "{tok}" in part else "",
        )
        for part in command
    ]
    before = _snapshot()
    code = main(argv)
    captured = capsys.readouterr()
    assert code in (0, 1, 2), (argv, code)
    assert "Traceback" not in captured.err, (argv, captured.err)
    assert "internal error" not in captured.err, (argv, captured.err)
    assert sum(line.startswith("error:") for line in captured.err.splitlines()) <= 1, (
        argv,
        captured.err,
    )
    assert _snapshot() == before, argv
