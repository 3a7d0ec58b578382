"""The three-class head: softmax regression on frozen features, fitted in numpy.

With the backbone frozen the head is a linear model on cached features, so it is fitted full-batch
with Adam in seconds and stopped on the validation sources' loss. Features are standardised while
fitting and the scaling is folded back into the weights, so the exported layer is one Dense.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .calibration import softmax


@dataclass
class LinearHead:
    kernel: np.ndarray  # (features, classes), applies to raw (unstandardised) features
    bias: np.ndarray  # (classes,)
    history: dict[str, list[float]]

    def logits(self, features: np.ndarray) -> np.ndarray:
        return features @ self.kernel + self.bias


def _loss(logits: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    probs = softmax(logits)
    picked = np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1)
    return float((weights * -np.log(picked)).sum() / weights.sum())


def balanced_weights(labels: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Per-sample weights giving each class (and, within it, each group) an equal share."""
    weights = np.zeros(len(labels))
    classes = np.unique(labels)
    for label in classes:
        in_class = labels == label
        keys = groups[in_class] if groups is not None else np.zeros(in_class.sum())
        share = np.zeros(in_class.sum())
        for key in np.unique(keys):
            share[keys == key] = 1.0 / ((keys == key).sum() * len(np.unique(keys)))
        weights[in_class] = share / len(classes)
    return weights * len(labels)


def fit(
    features: np.ndarray,
    labels: np.ndarray,
    val_features: np.ndarray | None,
    val_labels: np.ndarray | None,
    *,
    classes: int,
    sample_weights: np.ndarray | None = None,
    l2: float | np.ndarray = 1e-3,  # one value, or one per feature
    lr: float = 0.01,
    epochs: int = 600,
    patience: int = 60,
    offsets: tuple[np.ndarray, np.ndarray] | None = None,
    log: Callable[[str], None] | None = None,
) -> LinearHead:
    """Weighted softmax regression with L2; keeps the weights of the best validation loss.

    Without validation features it runs ``epochs`` steps and keeps the last weights: the step
    count is then a hyper-parameter chosen elsewhere (by cross-validation over sources).
    ``offsets``: fixed logits added to the training and validation rows' (a prior the head
    only corrects); the returned head's logits leave them out.
    """
    features = features.astype(np.float32)
    penalty = np.broadcast_to(np.asarray(l2, np.float32), (features.shape[1],))[:, None]
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-6
    x = (features - mean) / scale
    vx = None if val_features is None else ((val_features - mean) / scale).astype(np.float32)
    weights = np.ones(len(labels)) if sample_weights is None else sample_weights
    weights = (weights / weights.sum()).astype(np.float32)
    no_offset = np.zeros(classes, np.float32)
    offset, val_offset = offsets if offsets is not None else (no_offset, no_offset)
    onehot = np.eye(classes, dtype=np.float32)[labels]
    kernel = np.zeros((x.shape[1], classes), np.float32)
    bias = np.zeros(classes, np.float32)
    moments = [np.zeros_like(kernel), np.zeros_like(bias)]
    squares = [np.zeros_like(kernel), np.zeros_like(bias)]
    best = (np.inf, kernel.copy(), bias.copy(), 0)
    history: dict[str, list[float]] = {"loss": [], "val_loss": []}
    for step in range(1, epochs + 1):
        probs = softmax(x @ kernel + bias + offset)
        # The loss of the weights this step starts from: free, where a second pass is not.
        picked = np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1)
        train_loss = float((weights * -np.log(picked)).sum())
        error = (probs - onehot) * weights[:, None]
        grads = [x.T @ error + penalty * kernel, error.sum(axis=0)]
        for i, (param, grad) in enumerate(zip((kernel, bias), grads, strict=True)):
            moments[i] = 0.9 * moments[i] + 0.1 * grad
            squares[i] = 0.999 * squares[i] + 0.001 * grad**2
            corrected = moments[i] / (1 - 0.9**step)
            param -= lr * corrected / (np.sqrt(squares[i] / (1 - 0.999**step)) + 1e-8)
        history["loss"].append(train_loss)
        if vx is None or val_labels is None:
            best = (train_loss, kernel, bias, step)
            val_loss = float("nan")
        else:
            val_logits = vx @ kernel + bias + val_offset
            val_loss = _loss(val_logits, val_labels, np.ones(len(val_labels)))
            history["val_loss"].append(val_loss)
            if val_loss < best[0]:
                best = (val_loss, kernel.copy(), bias.copy(), step)
            elif step - best[3] >= patience:
                break
        if log and step % 50 == 0:
            log(f"  head step {step}: loss {train_loss:.4f} val_loss {val_loss:.4f}")
    _, kernel, bias, _ = best
    raw_kernel = kernel / scale[:, None]
    raw_bias = bias - mean @ raw_kernel
    return LinearHead(raw_kernel.astype(np.float32), raw_bias.astype(np.float32), history)
