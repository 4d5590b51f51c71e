"""Small helpers shared by the chapter modules."""

import numpy as np

from ..core import Exercise, Mistake
from ..registry import register


def rng_for(seed, salt):
    """A generator for the random case `seed` of an exercise (salted so exercises differ)."""
    return np.random.default_rng([int(seed), int(salt)])


def exercise(**kwargs):
    """Create and register an Exercise (its catalogue extended by `_natural.NATURAL`)."""
    from ._natural import NATURAL

    cls = kwargs.pop("cls", Exercise)
    extra = mistakes(*NATURAL.get(kwargs["name"], ()))
    if extra:
        kwargs["mistakes"] = list(kwargs.get("mistakes", ())) + extra
    return register(cls(**kwargs))


def mistakes(*triples):
    return [Mistake(code, hint, fn) for code, hint, fn in triples]


def numeric_grad(f, x, eps=1e-6):
    """Centred differences of the scalar f() with respect to the float array x (perturbed in place)."""
    from dlfund.gradcheck import numerical_gradient

    return numerical_gradient(f, x, eps=eps)


def elementwise_derivative(f, z, eps=1e-6):
    """Element-wise derivative of an element-wise function f by centred differences."""
    return (f(z + eps) - f(z - eps)) / (2 * eps)


def with_numeric(make, numeric):
    """Wrap a case maker so every case also gets a numerical-gradient function `numeric`."""

    def wrapped(seeds):
        cases = make(seeds)
        for c in cases:
            c.numeric = numeric
        return cases

    return wrapped
