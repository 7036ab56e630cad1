"""Neural networks on reverse mode: modules, layers, losses, training, checkpoints.

Two styles, one engine. PyTorch style::

    model = dd.nn.MLP([1, 10, 1], rng=0)
    opt = dd.optim.SGD(model.parameters(), lr=0.1)
    opt.zero_grad()
    with dd.Tape():
        loss = dd.nn.mse_loss(model(x), y)
    loss.backward()
    opt.step()

Functional style (the report's, JAX's): a list or dict of arrays as the
parameters, ``dd.value_and_grad(loss_fn)(params, x, y)`` for the gradient, and
``opt.update(params, grads)`` (or plain ``p - lr * g``) for the step.
"""

from . import functional
from .checkpoint import Checkpoint, CheckpointError, load, load_checkpoint, save, save_checkpoint
from .functional import (
    accuracy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    gelu,
    leaky_relu,
    mse_loss,
)
from .layers import (
    GELU,
    MLP,
    Dropout,
    LeakyReLU,
    Linear,
    ReLU,
    Sigmoid,
    Tanh,
    init_weight,
)
from .module import Module, Sequential
from .train import History, evaluate, fit, save_loss_curve

__all__ = [
    "GELU", "MLP", "Checkpoint", "CheckpointError", "Dropout", "History", "LeakyReLU", "Linear",
    "Module", "ReLU", "Sequential", "Sigmoid", "Tanh", "accuracy",
    "binary_cross_entropy_with_logits", "cross_entropy", "evaluate", "fit", "functional", "gelu",
    "init_weight", "leaky_relu", "load", "load_checkpoint", "mse_loss", "save", "save_checkpoint",
    "save_loss_curve",
]  # fmt: skip
