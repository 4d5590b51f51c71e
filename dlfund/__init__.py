"""dlfund: Deep Learning Fundamentals in NumPy, verified against PyTorch.

Conventions: samples are rows; a dense layer is Z = A_prev @ W + b with W of shape
(n_in, n_out); parameters live in {"W1", "b1", ...}, gradients in {"dW1", "db1", ...}.
"""

from . import (
    activations,
    clipping,
    data,
    gradcheck,
    init,
    layers,
    losses,
    lr_finder,
    modules,
    optim,
    probes,
    regularization,
    rnn,
    search,
)
from .clipping import clip_grad_norm, clip_grad_value, global_grad_norm
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .layers import (
    BatchNorm1d,
    activation_backward,
    activation_forward,
    batchnorm_backward,
    batchnorm_forward,
    dense_backward,
    dense_forward,
    dropout_backward,
    dropout_forward,
    residual_backward,
    residual_forward,
    update_running_stats,
)
from .lr_finder import LRRangeResult, lr_range_test
from .network import MLP
from .optim import (
    GD,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    RMSprop,
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
from .probes import layer_grad_norms, weight_grad_norms
from .regularization import (
    elastic_net_penalty,
    elastic_net_penalty_grad,
    is_weight,
    l1_penalty,
    l1_penalty_grad,
    l2_penalty,
    l2_penalty_grad,
    proximal_l1_step,
    soft_threshold,
)
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
from .search import random_search
from .sequence_model import SequenceModel

__version__ = "0.1.0"
