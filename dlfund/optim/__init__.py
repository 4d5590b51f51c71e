"""Optimizers: the update rules, the dictionary API of tutorials, optimizer classes, and a fast path.

    rules       the update rules for one array, as the book writes them (`adam_step`, ...)
    dict_api    update_parameters_with_adam(parameters, grads, m, v, t, ...) and friends:
                new dicts out, inputs untouched
    optimizers  Adam(lr=1e-3).step(params, grads): state inside, params updated in place,
                step for step like torch.optim; `OPTIMIZERS` lists them
    fast        opt-in: the same classes with in-place, blocked, grouped updates
                (`fast.Adam`, `pack_parameters`), equal to the plain ones up to rounding

The default path everywhere (`MLP.fit`, the book) is the plain one: `rules` via `dict_api` or
`optimizers`. State names, one meaning each: momentum's velocity v; AdaGrad's and RMSProp's s;
AdaDelta's s and u; Adam's m and v (see `rules`).
"""

from . import dict_api, fast, optimizers, rules
from .dict_api import (
    initialize_adadelta,
    initialize_adagrad,
    initialize_adam,
    initialize_rmsprop,
    initialize_velocity,
    random_mini_batches,
    update_parameters_with_adadelta,
    update_parameters_with_adagrad,
    update_parameters_with_adam,
    update_parameters_with_adamw,
    update_parameters_with_gd,
    update_parameters_with_momentum,
    update_parameters_with_nesterov,
    update_parameters_with_rmsprop,
    update_parameters_with_sgd,
)
from .fast import pack_parameters
from .optimizers import GD, OPTIMIZERS, SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .rules import adadelta_step, adagrad_step, adam_step, adamw_step, momentum_step, rmsprop_step, sgd_step

__all__ = [
    "rules",
    "dict_api",
    "optimizers",
    "fast",
    "sgd_step",
    "momentum_step",
    "adagrad_step",
    "rmsprop_step",
    "adadelta_step",
    "adam_step",
    "adamw_step",
    "random_mini_batches",
    "initialize_velocity",
    "initialize_adagrad",
    "initialize_adadelta",
    "initialize_rmsprop",
    "initialize_adam",
    "update_parameters_with_gd",
    "update_parameters_with_sgd",
    "update_parameters_with_momentum",
    "update_parameters_with_nesterov",
    "update_parameters_with_adagrad",
    "update_parameters_with_adadelta",
    "update_parameters_with_rmsprop",
    "update_parameters_with_adam",
    "update_parameters_with_adamw",
    "Optimizer",
    "OPTIMIZERS",
    "GD",
    "SGD",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Adam",
    "AdamW",
    "pack_parameters",
]
