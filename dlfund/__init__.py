"""dlfund: Deep Learning Fundamentals in NumPy, verified against PyTorch.

Conventions: samples are rows; a dense layer is Z = A_prev @ W + b with W of shape
(n_in, n_out); parameters live in {"W1", "b1", ...}, gradients in {"dW1", "db1", ...}.
"""
from . import activations, data, gradcheck, init, layers, losses, lr_finder, optim, search
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .layers import activation_backward, activation_forward, dense_backward, dense_forward
from .lr_finder import LRRangeResult, lr_range_test
from .network import MLP
from .optim import (
    GD, SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop, initialize_adadelta, initialize_adagrad,
    initialize_adam, initialize_rmsprop, initialize_velocity, random_mini_batches,
    update_parameters_with_adadelta, update_parameters_with_adagrad, update_parameters_with_adam,
    update_parameters_with_adamw, update_parameters_with_gd, update_parameters_with_momentum,
    update_parameters_with_nesterov, update_parameters_with_rmsprop, update_parameters_with_sgd,
)
from .search import random_search

__version__ = "0.1.0"
