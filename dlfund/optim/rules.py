"""The update rules, one array at a time, written as the book's equations.

Each rule takes a parameter array `p`, its gradient `g` and the optimizer state for `p`, and
returns NEW arrays (the inputs are never modified): the updated parameter and the new state.
All operations are element-wise. The dictionary API (`dict_api`) and the optimizer classes
(`optimizers`) call these functions; nothing else computes an update by default.

State names, one meaning each (the same in the book, the dict API, the classes and the exercises):

    v       momentum's velocity                    (momentum_step)
    s       running sum / average of g**2          (adagrad_step: sum; rmsprop_step, adadelta_step: average)
    u       AdaDelta's running average of squared updates; delta is the update itself
    m, v    Adam's first and second moments (Kingma & Ba's names); m_hat, v_hat bias-corrected

Weight decay as an L2 term in the gradient (g + weight_decay * p, torch's `weight_decay`) is
added by the caller before the rule; AdamW's decoupled decay is `adamw_step`.
A faster, in-place version of these rules (same results up to rounding) is opt-in: `optim.fast`.
"""

import numpy as np


def sgd_step(p, g, lr):
    """Gradient descent: p <- p - lr * g. Returns the new p."""
    return p - lr * g


def momentum_step(p, g, v, lr, beta, grad_scale=1.0, nesterov=False):
    """Momentum (heavy ball) or Nesterov. Returns (new p, new v).

        v <- beta * v + grad_scale * g
        p <- p - lr * v                                   heavy ball
        p <- p - lr * (beta * v + grad_scale * g)         Nesterov (look-ahead form)

    The conventions are choices of (lr, grad_scale): "ema" (lr, 1 - beta), "classical"
    (1, lr) and torch's SGD (lr, 1 - dampening); see `update_parameters_with_momentum`.
    """
    v = beta * v + grad_scale * g
    step = beta * v + grad_scale * g if nesterov else v
    return p - lr * step, v


def adagrad_step(p, g, s, lr, eps=1e-10):
    """AdaGrad. Returns (new p, new s).

    s <- s + g**2
    p <- p - lr * g / (sqrt(s) + eps)
    """
    s = s + g**2
    return p - lr * g / (np.sqrt(s) + eps), s


def rmsprop_step(p, g, s, lr, beta=0.99, eps=1e-8):
    """RMSProp (torch's `alpha` is `beta` here). Returns (new p, new s).

    s <- beta * s + (1 - beta) * g**2       (running average of g**2, not a Hessian)
    p <- p - lr * g / (sqrt(s) + eps)      (eps OUTSIDE the root, as in torch)
    """
    s = beta * s + (1 - beta) * g**2
    return p - lr * g / (np.sqrt(s) + eps), s


def adadelta_step(p, g, s, u, lr=1.0, rho=0.9, eps=1e-6):
    """AdaDelta. Returns (new p, new s, new u).

    s     <- rho * s + (1 - rho) * g**2                  (running average of g**2)
    delta  = sqrt(u + eps) / sqrt(s + eps) * g            (the update, in the units of p)
    u     <- rho * u + (1 - rho) * delta**2              (running average of delta**2)
    p     <- p - lr * delta                               (lr = 1 is the classic rule)
    """
    s = rho * s + (1 - rho) * g**2
    delta = np.sqrt(u + eps) / np.sqrt(s + eps) * g
    u = rho * u + (1 - rho) * delta**2
    return p - lr * delta, s, u


def adam_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam at step t >= 1 (t = 1 on the first step). Returns (new p, new m, new v).

    m <- beta1 * m + (1 - beta1) * g          (first moment of the gradient)
    v <- beta2 * v + (1 - beta2) * g**2       (second moment)
    m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)
    p <- p - lr * m_hat / (sqrt(v_hat) + eps)
    """
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adamw_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    """AdamW: shrink the CURRENT weights, then the Adam step. Returns (new p, new m, new v).

    p <- p * (1 - lr * weight_decay)          (decoupled: outside the adaptive scaling)
    then `adam_step`
    """
    p = p * (1 - lr * weight_decay)
    return adam_step(p, g, m, v, t, lr, beta1, beta2, eps)
