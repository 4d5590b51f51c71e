"""Every bad input in the table gets the package's own clear error: the expected type, raised by
dlfund code (not deep inside NumPy), with a message naming the argument and what was wrong."""

from pathlib import Path

import pytest
from _bad_inputs import CASES

import dlfund

PACKAGE = Path(dlfund.__file__).parent


def test_the_table_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("call, exc, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    missing = [w for w in words if w not in message]
    assert not missing, f"message {message!r} lacks {missing}"
    raised_in = Path(info.traceback[-1].path)
    assert PACKAGE in raised_in.parents, f"raised in {raised_in}, not by dlfund itself"
