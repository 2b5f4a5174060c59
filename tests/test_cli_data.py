"""End-to-end tests of the data commands, in-process and as a real subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest

from forecast.cli import main
from tests.conftest import HEADER, monthly_rows


def test_data_list(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "us_china_monthly" in out and "1985-01" in out and "china_total_annual" in out


def test_data_show_series(capsys):
    assert (
        main(["data", "show", "china_total_annual", "--series", "China/World/exports/total"]) == 0
    )
    out = capsys.readouterr().out
    assert "2025" in out and "USD billion" in out


def test_validate_valid_file(write, capsys):
    path = write(HEADER + monthly_rows(12))
    assert main(["data", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid, 12 rows, 1 series" in out and "monthly" in out


@pytest.mark.parametrize(
    "content",
    [
        "",
        HEADER,
        b"\x00\x01",
        HEADER + "China,US,exports,total,2020-13-01,1,USD\n",
        HEADER + "China,US,exports,total,2020-01-01,-1,USD\n",
    ],
)
def test_validate_invalid_file_subprocess(write, content):
    path = write(content)
    proc = subprocess.run(
        [sys.executable, "-m", "forecast", "data", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "trade.csv" in lines[0] and "Traceback" not in proc.stderr


def test_validate_missing_path_names_it(tmp_path, capsys):
    assert main(["data", "validate", str(tmp_path / "gone.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: File") and "gone.csv" in err
