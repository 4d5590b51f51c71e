"""Claims the book makes, checked where they are made, and the one seed every chapter uses.

A chapter states a claim once, in prose, and proves it in a folded cell (tag `hide-input`)
that ends in `checked(...)`: the reader sees a one-line "✓ checked" mark, and the build
fails if the claim is false. Numbers a run produced reach the prose through myst-nb's `glue`.

`SEED` is read from the environment variable `DLFUND_SEED` (default 0), so CI can execute
every claim-bearing chapter with another seed and prove the claims are not luck.
"""

import os

import numpy as np

DEFAULT_SEED = 0


def book_seed():
    """The seed every chapter starts from: `DLFUND_SEED` if set, else 0."""
    raw = os.environ.get("DLFUND_SEED", "").strip()
    if not raw:
        return DEFAULT_SEED
    try:
        seed = int(raw)
    except ValueError:
        raise ValueError(f"DLFUND_SEED must be a non-negative integer, got {raw!r}") from None
    if seed < 0:
        raise ValueError(f"DLFUND_SEED must be a non-negative integer, got {seed}")
    return seed


SEED = book_seed()


class Checked:
    """The mark a passing claim leaves: '✓ checked: <statement>' (HTML in Jupyter, text elsewhere)."""

    def __init__(self, statement):
        self.statement = statement

    def __repr__(self):
        return f"✓ checked: {self.statement}"

    def _repr_html_(self):
        import html

        return (
            f'<p class="dlfund-checked"><span aria-hidden="true">✓</span> '
            f"<strong>checked:</strong> {html.escape(self.statement)}</p>"
        )


def checked(statement, condition, detail=""):
    """Show '✓ checked: statement' if `condition` holds; raise AssertionError naming it if not.

    statement : str   the claim, in the words the prose uses
    condition : bool  the computed evidence (a numpy bool is fine; NaN comparisons are False)
    detail    : str   the numbers behind it, added to the error message on failure
    """
    if not isinstance(statement, str) or not statement.strip():
        raise TypeError(f"statement must be a non-empty str, got {statement!r}")
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(f"condition must be a bool (a comparison), got {type(condition).__name__}: {condition!r}")
    if not condition:
        raise AssertionError(f"claim failed: {statement}" + (f" ({detail})" if detail else ""))
    mark = Checked(statement)
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(mark)
            return None
    except ImportError:  # pragma: no cover - IPython is present wherever notebooks run
        pass
    print(repr(mark))
    return None
