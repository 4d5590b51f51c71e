"""The claim mark and the book seed: a false claim must fail loudly, never show a tick."""

import numpy as np
import pytest

from dlfund import claims


def test_true_claim_prints_the_mark(capsys):
    claims.checked("one is less than two", 1 < 2)
    assert capsys.readouterr().out.strip() == "✓ checked: one is less than two"


@pytest.mark.parametrize("condition", [False, np.bool_(False), np.float64("nan") < 1.0])
def test_false_claim_raises_with_statement_and_detail(condition, capsys):
    with pytest.raises(AssertionError, match=r"claim failed: loss falls \(loss 3.0\)"):
        claims.checked("loss falls", condition, detail="loss 3.0")
    assert "✓" not in capsys.readouterr().out


@pytest.mark.parametrize("condition", [np.array([True, True]), 1.0, "yes", None, np.float64("nan")])
def test_non_boolean_condition_is_refused(condition):
    with pytest.raises(TypeError, match="condition must be a bool"):
        claims.checked("a claim", condition)


def test_empty_statement_is_refused():
    with pytest.raises(TypeError, match="statement"):
        claims.checked("  ", True)


def test_html_mark_escapes_the_statement():
    html = claims.Checked("a < b & c")._repr_html_()
    assert "a &lt; b &amp; c" in html and 'class="dlfund-checked"' in html


@pytest.mark.parametrize("raw, seed", [("", 0), ("7", 7), (" 12 ", 12)])
def test_seed_from_environment(monkeypatch, raw, seed):
    monkeypatch.setenv("DLFUND_SEED", raw)
    assert claims.book_seed() == seed


@pytest.mark.parametrize("raw", ["-1", "abc", "1.5"])
def test_bad_seed_is_refused_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("DLFUND_SEED", raw)
    with pytest.raises(ValueError, match="DLFUND_SEED must be a non-negative integer"):
        claims.book_seed()
