"""dlfund: Deep Learning Fundamentals in NumPy, verified against PyTorch.

Conventions: samples are rows; a dense layer is Z = A_prev @ W + b with W of shape
(n_in, n_out); parameters live in {"W1", "b1", ...}, gradients in {"dW1", "db1", ...}.
"""
from . import activations, data, gradcheck, init, layers, losses, optim, rnn
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .layers import activation_backward, activation_forward, dense_backward, dense_forward
from .network import MLP
from .optim import GD, random_mini_batches, update_parameters_with_gd
from .rnn import (
    count_recurrent_parameters,
    from_torch_layout,
    gru_cell_backward,
    gru_cell_forward,
    initialize_recurrent_parameters,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_gate_activations,
    recurrent_backward,
    recurrent_forward,
    rnn_cell_backward,
    rnn_cell_forward,
    to_torch_layout,
)
from .sequence_model import SequenceModel

__version__ = "0.1.0"
