"""A regularised multinomial logistic regression in numpy, with a fixed per-example offset.

The offset is how the bundled model enters as a prior: logits = offset + x @ W + b, with W and b
pulled towards zero, so with few labels the fit stays the model and only as much evidence as
the user gives moves it. Solved by L-BFGS: the problem is smooth and convex, and 5,000 examples
of 1,280 numbers take tens of milliseconds per pass, so a full fit stays well under a second
without SciPy in the app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class Softmax:
    """Fitted weights: ``logits = offset + features @ weights + bias``."""

    weights: np.ndarray  # (d, c) float32
    bias: np.ndarray  # (c,) float32

    def logits(self, features: np.ndarray, offset: np.ndarray | None = None) -> np.ndarray:
        logits = features @ self.weights + self.bias
        return logits if offset is None else logits + offset

    def probabilities(self, features: np.ndarray, offset: np.ndarray | None = None) -> np.ndarray:
        return softmax(self.logits(features, offset))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def fit_softmax(
    features: np.ndarray,
    targets: np.ndarray,
    classes: int,
    *,
    offset: np.ndarray | None = None,
    l2: float = 1.0,
    fit_bias: bool = True,
    max_iterations: int = 200,
) -> Softmax:
    """Minimise the summed cross-entropy plus ``l2 / 2 * |W|^2`` (the bias is not penalised;
    ``fit_bias=False`` keeps it at zero).

    A summed rather than averaged loss lets the labels outweigh the prior as they accumulate:
    five labels barely move the model, five hundred can overrule it.
    """
    x = np.asarray(features, np.float32)
    n, d = x.shape
    one_hot = np.zeros((n, classes), np.float32)
    one_hot[np.arange(n), targets] = 1.0
    base = np.zeros((n, classes), np.float32) if offset is None else offset.astype(np.float32)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights = theta[: d * classes].reshape(d, classes).astype(np.float32)
        bias = theta[d * classes :]
        logits = base + x @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        penalty = 0.5 * l2 * float(np.square(weights, dtype=np.float64).sum())
        loss = -float(log_p[one_hot > 0].sum(dtype=np.float64)) + penalty
        residual = np.exp(log_p) - one_hot
        grad_w = x.T @ residual + l2 * weights
        grad_b = residual.sum(axis=0) if fit_bias else np.zeros(classes, np.float32)
        return loss, np.concatenate([grad_w.ravel(), grad_b])

    start = np.zeros(d * classes + classes, np.float32)
    theta = lbfgs(objective, start, max_iterations=max_iterations)
    weights = theta[: d * classes].reshape(d, classes).astype(np.float32)
    return Softmax(weights, theta[d * classes :].astype(np.float32))


def lbfgs(
    objective: Objective,
    start: np.ndarray,
    *,
    max_iterations: int = 200,
    memory: int = 10,
    tolerance: float = 1e-5,
) -> np.ndarray:
    """Limited-memory BFGS with a backtracking (Armijo) line search; returns the minimiser.

    Stops when the gradient's largest component falls under ``tolerance`` times its starting
    size, or after ``max_iterations``.
    """
    theta = start.copy()
    value, grad = objective(theta)
    stop = tolerance * max(1.0, float(np.abs(grad).max()))
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(max_iterations):
        if float(np.abs(grad).max()) <= stop:
            break
        direction = _two_loop(grad, steps)
        slope = float(grad @ direction)
        if slope >= 0:  # not a descent direction (curvature information gone stale): restart
            steps.clear()
            direction, slope = -grad, -float(grad @ grad)
        step = 1.0 if steps else min(1.0, 1.0 / float(np.abs(grad).max()))
        for _ in range(30):
            candidate = theta + step * direction
            new_value, new_grad = objective(candidate)
            if new_value <= value + 1e-4 * step * slope:
                break
            step *= 0.5
        else:  # no step lowers the loss measurably: as close to the minimum as floats allow
            break
        s, y = candidate - theta, new_grad - grad
        curvature = float(s @ y)
        if curvature > 1e-10:
            steps.append((s, y, 1.0 / curvature))
            if len(steps) > memory:
                steps.pop(0)
        theta, value, grad = candidate, new_value, new_grad
    return theta


def _two_loop(grad: np.ndarray, steps: list[tuple[np.ndarray, np.ndarray, float]]) -> np.ndarray:
    """The L-BFGS search direction: minus the inverse-Hessian estimate times the gradient."""
    q = grad.copy()
    alphas = []
    for s, y, rho in reversed(steps):
        alpha = rho * float(s @ q)
        alphas.append(alpha)
        q -= alpha * y
    if steps:
        s, y, _ = steps[-1]
        q *= float(s @ y) / float(y @ y)
    for (s, y, rho), alpha in zip(steps, reversed(alphas), strict=True):
        beta = rho * float(y @ q)
        q += (alpha - beta) * s
    return -q
