"""Snakemake glue: code hashes follow imports; failed steps leave no outputs and exit cleanly."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from birthgaps.errors import InputError
from birthgaps.workflow import module_closure, run_step, source_hash


def test_module_closure_follows_package_imports():
    assert module_closure("report") == [
        "definitions",
        "errors",
        "figures",
        "model_columns",
        "pdf",
        "provenance",
        "report",
    ]
    assert "disclosure" in module_closure("rates")
    assert source_hash("rates") != source_hash("models")
    assert source_hash("rates") == source_hash("rates", "stats")  # stats is already imported


def test_run_step_turns_input_errors_into_a_message_and_removes_outputs(tmp_path, capsys):
    out = tmp_path / "out.csv"
    smk = SimpleNamespace(log=[str(tmp_path / "log.txt")], output=[str(out)], rule="demo")

    def step(_):
        out.write_text("partial")
        raise InputError("something is wrong", file="x.csv", column="c", rows=3)

    with pytest.raises(SystemExit) as info:
        run_step(smk, step)
    assert info.value.code == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "something is wrong" in err and "rule: demo" in err and "rows affected: 3" in err
    assert "something is wrong" in (tmp_path / "log.txt").read_text()
