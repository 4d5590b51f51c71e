"""Tests for dlfund.display.show_source and the `python -m dlfund` command dispatcher."""

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from dlfund import cli
from dlfund.activations import sigmoid
from dlfund.display import show_source
from dlfund.network import MLP

ROOT = Path(__file__).resolve().parents[1]


def test_show_source_outside_jupyter_returns_the_real_source():
    src = show_source(sigmoid)
    assert src.startswith("def sigmoid(z):")
    assert "np.exp" in src
    assert show_source(MLP).startswith("class MLP")


def test_show_source_in_jupyter_displays_markdown(monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", shown.append)
    assert show_source(sigmoid) is None
    (md,) = shown
    assert isinstance(md, IPython.display.Markdown)
    assert md.data.startswith("`dlfund.activations.sigmoid`")
    assert "```python\ndef sigmoid(z):" in md.data


def _fake_command(calls):
    mod = types.ModuleType("fake_cmd")

    def add_arguments(parser):
        parser.add_argument("path")
        parser.add_argument("--times", type=int, default=1)

    def run(args):
        calls.append((args.path, args.times))
        return 3

    mod.add_arguments, mod.run = add_arguments, run
    return mod


def test_cli_dispatches_to_a_registered_command(monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "fake_cmd", _fake_command(calls))
    monkeypatch.setattr(cli, "COMMANDS", {"fake": ("fake_cmd", "a test command")})
    assert cli.main(["fake", "x.ipynb", "--times", "2"]) == 3
    assert calls == [("x.ipynb", 2)]


def test_cli_without_command_prints_help_and_returns_2(capsys, monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", {"fake": ("fake_cmd", "a test command")})
    monkeypatch.setitem(sys.modules, "fake_cmd", _fake_command([]))
    assert cli.main([]) == 2
    out = capsys.readouterr().out
    assert "python -m dlfund" in out and "fake" in out and "a test command" in out


def test_cli_skips_commands_whose_module_is_missing(capsys, monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", {"ghost": ("dlfund.no_such_module", "not built yet")})
    with pytest.raises(SystemExit) as exc:
        cli.main(["ghost"])
    assert exc.value.code == 2
    assert "invalid choice: 'ghost'" in capsys.readouterr().err


def test_python_dash_m_dlfund_runs():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "dlfund"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert proc.returncode == 2
    assert "Deep Learning Fundamentals tools" in proc.stdout
