"""Chapter 6 exercises: Xavier/Glorot and He initialisers (and the residual block, once it exists)."""
import numpy as np

from dlfund import init

from ..core import Case
from ..sandbox import Seed
from ._random import InitExercise
from ._util import exercise, mistakes

CH = 6
SIZES = [(300, 100), (80, 500), (200, 150), (120, 400), (256, 64)]


def _init_cases(salt):
    def make(seeds):
        cases = []
        for k, s in enumerate((100,) + tuple(seeds)):
            n_in, n_out = SIZES[k % len(SIZES)]
            seed = 1000 * salt + s
            cases.append(Case(f"n_in={n_in}, n_out={n_out}, seed {seed}", (n_in, n_out, Seed(seed)),
                              extra_calls=[((n_in, n_out, Seed(seed)), {}), ((n_in, n_out, Seed(seed + 7919)), {})]))
        return cases
    return make


def _fresh():
    return np.random.default_rng()  # unseeded: the mistake of not using the rng argument


exercise(
    cls=InitExercise, name="xavier_uniform", chapter=CH, func_name="xavier_uniform",
    title="Xavier/Glorot uniform initialisation", reference=init.xavier_uniform, arg_names=["n_in", "n_out", "rng"],
    make_cases=_init_cases(1), family="uniform", target_var=lambda n_in, n_out: 2.0 / (n_in + n_out),
    mistakes=mistakes(
        ("XAVIER_VAR_AS_BOUND", "2 / (n_in + n_out) is the VARIANCE; a uniform U(-a, a) has variance a**2 / 3, so "
                                "the bound is a = sqrt(6 / (n_in + n_out))",
         lambda n_in, n_out, rng: rng.uniform(-np.sqrt(2 / (n_in + n_out)), np.sqrt(2 / (n_in + n_out)), (n_in, n_out))),
        ("XAVIER_SQRT_IN_DENOMINATOR", "Var(W) = 2 / (n_in + n_out), not 2 / sqrt(n_in + n_out) (a misprint that "
                                       "circulates; it makes the weights far too large)",
         lambda n_in, n_out, rng: rng.uniform(-1, 1, (n_in, n_out)) * np.sqrt(3 * 2 / np.sqrt(n_in + n_out))),
        ("XAVIER_USES_HE", "sqrt(6 / n_in) is He's bound (for ReLU); Xavier averages both fans: sqrt(6 / (n_in + n_out))",
         lambda n_in, n_out, rng: rng.uniform(-np.sqrt(6 / n_in), np.sqrt(6 / n_in), (n_in, n_out))),
        ("XAVIER_NORMAL_NOT_UNIFORM", "this exercise asks for the UNIFORM variant: rng.uniform(-a, a, size)",
         lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / (n_in + n_out)), (n_in, n_out))),
        ("XAVIER_IGNORES_RNG", "draw from the rng you are given so that results are reproducible",
         lambda n_in, n_out, rng: _fresh().uniform(-np.sqrt(6 / (n_in + n_out)), np.sqrt(6 / (n_in + n_out)),
                                                   (n_in, n_out))),
        ("XAVIER_TRANSPOSED", "W has shape (n_in, n_out): one row per input",
         lambda n_in, n_out, rng: rng.uniform(-np.sqrt(6 / (n_in + n_out)), np.sqrt(6 / (n_in + n_out)), (n_out, n_in))),
    ),
)

exercise(
    cls=InitExercise, name="xavier_normal", chapter=CH, func_name="xavier_normal",
    title="Xavier/Glorot normal initialisation", reference=init.xavier_normal, arg_names=["n_in", "n_out", "rng"],
    make_cases=_init_cases(2), family="normal", target_var=lambda n_in, n_out: 2.0 / (n_in + n_out),
    mistakes=mistakes(
        ("XAVIER_N_STD_IS_VAR", "rng.normal takes the standard deviation: std = sqrt(2 / (n_in + n_out))",
         lambda n_in, n_out, rng: rng.normal(0, 2 / (n_in + n_out), (n_in, n_out))),
        ("XAVIER_N_SQRT_IN_DENOMINATOR", "Var(W) = 2 / (n_in + n_out), not 2 / sqrt(n_in + n_out)",
         lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / np.sqrt(n_in + n_out)), (n_in, n_out))),
        ("XAVIER_N_ONE_OVER_SUM", "Glorot's variance has a 2 in the numerator: 2 / (n_in + n_out)",
         lambda n_in, n_out, rng: rng.normal(0, np.sqrt(1 / (n_in + n_out)), (n_in, n_out))),
        ("XAVIER_N_UNIFORM", "this exercise asks for the NORMAL variant: rng.normal(0, std, size)",
         lambda n_in, n_out, rng: rng.uniform(-np.sqrt(6 / (n_in + n_out)), np.sqrt(6 / (n_in + n_out)), (n_in, n_out))),
        ("XAVIER_N_IGNORES_RNG", "draw from the rng you are given so that results are reproducible",
         lambda n_in, n_out, rng: _fresh().normal(0, np.sqrt(2 / (n_in + n_out)), (n_in, n_out))),
    ),
)

exercise(
    cls=InitExercise, name="he_normal", chapter=CH, func_name="he_normal",
    title="He (Kaiming) normal initialisation", reference=init.he_normal, arg_names=["n_in", "n_out", "rng"],
    make_cases=_init_cases(3), family="normal", target_var=lambda n_in, n_out: 2.0 / n_in,
    mistakes=mistakes(
        ("HE_LECUN", "He's variance is 2 / n_in: the 2 compensates for ReLU zeroing half the inputs (1 / n_in is LeCun's)",
         lambda n_in, n_out, rng: rng.normal(0, np.sqrt(1 / n_in), (n_in, n_out))),
        ("HE_STD_IS_VAR", "rng.normal takes the standard deviation: std = sqrt(2 / n_in)",
         lambda n_in, n_out, rng: rng.normal(0, 2 / n_in, (n_in, n_out))),
        ("HE_FAN_OUT", "He (fan-in mode) divides by the number of INPUTS n_in, which keeps forward activations stable",
         lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / n_out), (n_in, n_out))),
        ("HE_IS_XAVIER", "2 / (n_in + n_out) is Xavier's variance; He's is 2 / n_in",
         lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / (n_in + n_out)), (n_in, n_out))),
        ("HE_UNIFORM", "this exercise asks for the NORMAL variant", lambda n_in, n_out, rng: rng.uniform(
            -np.sqrt(6 / n_in), np.sqrt(6 / n_in), (n_in, n_out))),
        ("HE_IGNORES_RNG", "draw from the rng you are given so that results are reproducible",
         lambda n_in, n_out, rng: _fresh().normal(0, np.sqrt(2 / n_in), (n_in, n_out))),
    ),
)
