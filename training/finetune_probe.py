"""``python -m training.finetune_probe``: does training the backbone's last block generalise?

MobileNetV2's last inverted-residual block and its final 1x1 convolution (``block_16_*``,
``Conv_1``: a sixth of the weights, under a tenth of the work) are fine-tuned on the training
sources' photos, every view the rebuild uses, from block 15's output, computed once and cached,
so an epoch takes about a minute on two cores. Batch-norm statistics stay frozen. A softmax
layer over the embedding and the grouped ImageNet evidence (from the frozen backbone) trains
with it, warmed up first with the block frozen. The rebuild's own head recipe (``fit_build``:
decay, temperature, validation threshold) is then fitted on the frozen embeddings and on the
fine-tuned ones, and both are reported on the validation, test and reference groups, per test
source.

Not part of ``make model``: the rebuild keeps the backbone frozen, and this says why.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from . import experiment, report, train
from . import head as heads
from .features import EMBEDDING_SIZE, PLAIN, _cache_key, view_pixels

BLOCK_OUTPUT = "block_15_add"  # what stays frozen: everything up to here
TUNED_LAYERS = (
    "block_16_expand",
    "block_16_expand_BN",
    "block_16_expand_relu",
    "block_16_depthwise",
    "block_16_depthwise_BN",
    "block_16_depthwise_relu",
    "block_16_project",
    "block_16_project_BN",
    "Conv_1",
    "Conv_1_bn",
    "out_relu",
)
GROUPS = ("train", "validation", "test", "reference")
BATCH = 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    experiment.add_arguments(parser)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument(
        "--report-epoch", type=int, default=None, help="default: the lowest validation loss"
    )
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    keras.utils.set_random_seed(1337)
    inputs = experiment.load_inputs(args)
    config, split, extractor = inputs.config, inputs.split, inputs.extractor
    backbone = extractor.backbone
    cut = keras.Model(backbone.input, backbone.get_layer(BLOCK_OUTPUT).output)
    cache = args.cache_dir or Path(".")
    cache.mkdir(parents=True, exist_ok=True)

    def block_output(name: str, view: int) -> np.ndarray:
        key = _cache_key(inputs.decoded[name], view, config.seed, extractor.weights_id)
        path = cache / f"block15-{key}.npy"
        if path.exists():
            return np.load(path)
        pixels = view_pixels(inputs.decoded[name], view, config.seed)
        out = np.empty((len(pixels), 7, 7, 160), np.float16)
        for start in range(0, len(pixels), BATCH):
            batch = pixels[start : start + BATCH].astype(np.float32) / 127.5 - 1.0
            out[start : start + len(batch)] = cut(batch, training=False).numpy()
        np.save(path, out)
        print(f"  block 15 of {name}, view {view}: {len(pixels)} photos", flush=True)
        return out

    def rows(group: str) -> list[tuple[str, int]]:
        views = range(config.views) if group == "train" else (PLAIN,)
        return [(name, view) for view in views for name in split.source_names(group)]

    # The rebuild's own head inputs, in the order ``rows`` lists the photos (``train.embed``'s).
    heads_in = train.embed(split, inputs.decoded, extractor, config, print)
    blocks = {g: np.concatenate([block_output(n, v) for n, v in rows(g)]) for g in GROUPS}
    frozen = {g: heads_in[g].features for g in GROUPS}
    labels = {g: heads_in[g].labels for g in GROUPS}
    sources = {g: heads_in[g].sources for g in GROUPS}
    evidence = {g: frozen[g][:, EMBEDDING_SIZE:] for g in GROUPS}

    top = _top(keras, backbone)
    check = top(blocks["validation"][:8].astype(np.float32)).numpy()
    drift = float(np.abs(check - frozen["validation"][:8, :EMBEDDING_SIZE]).max())
    print(f"the block recomputed from block 15: max difference {drift:.1e}", flush=True)
    model = _classifier(keras, top, frozen["train"])
    weights = heads.balanced_weights(labels["train"])
    fit_inputs = [blocks["train"], evidence["train"]]
    held_out = ([blocks["validation"], evidence["validation"]], labels["validation"])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    top.trainable = False  # the softmax layer first, so the block starts from a sensible one
    model.compile(keras.optimizers.Adam(1e-3), loss, weighted_metrics=["accuracy"])
    model.fit(
        fit_inputs,
        labels["train"],
        sample_weight=weights,
        batch_size=128,
        epochs=2,
        verbose=0,
        validation_data=held_out,
    )
    top.trainable = True
    for layer in top.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    model.compile(keras.optimizers.Adam(args.learning_rate), loss, weighted_metrics=["accuracy"])
    snapshots, losses = [], []
    for epoch in range(args.epochs):
        started = time.time()
        history = model.fit(
            fit_inputs,
            labels["train"],
            sample_weight=weights,
            batch_size=BATCH,
            epochs=1,
            verbose=0,
            validation_data=held_out,
        ).history
        print(
            f"epoch {epoch + 1}: loss {history['loss'][0]:.4f}, validation loss "
            f"{history['val_loss'][0]:.4f}, accuracy {history['val_accuracy'][0]:.4f} "
            f"({time.time() - started:.0f} s)",
            flush=True,
        )
        snapshots.append([w.copy() for w in top.get_weights()])
        losses.append(history["val_loss"][0])
    # Early stopping on the validation sources, as the rebuild's head stops.
    chosen = args.report_epoch or 1 + int(np.argmin(losses))
    top.set_weights(snapshots[chosen - 1])

    def embedded(group: str) -> np.ndarray:
        out = np.empty((len(blocks[group]), EMBEDDING_SIZE), np.float32)
        for start in range(0, len(out), 256):
            out[start : start + 256] = top(
                blocks[group][start : start + 256].astype(np.float32)
            ).numpy()
        return out

    def features(embeddings: dict[str, np.ndarray]) -> dict[str, train.Features]:
        return {
            g: train.Features(
                np.concatenate([embeddings[g], evidence[g]], axis=1), labels[g], sources[g]
            )
            for g in GROUPS
        }

    quiet = lambda _: None  # noqa: E731
    builds = {
        "frozen backbone (as shipped)": train.fit_build(
            features({g: frozen[g][:, :EMBEDDING_SIZE] for g in GROUPS}), config, quiet
        ),
        f"last block fine-tuned, epoch {chosen}": train.fit_build(
            features({g: embedded(g) for g in GROUPS}), config, quiet
        ),
    }
    for title, build in builds.items():
        print(f"\n{title}: move threshold {build.choice.threshold:.4f}")
        for group in ("validation", "test", "reference"):
            print("  " + report.one_line(group, build.evaluation[group]))
        for source, figures in build.evaluation["test"]["per_source"].items():
            right, wrong = figures["accuracy"], figures["wrong_moves"]
            print(f"    {source:<14} right {right:.2%}, wrong moves {wrong:.2%}")


def _top(keras, backbone):  # type: ignore[no-untyped-def]
    """The tuned layers as a model of their own, starting from the ImageNet weights."""
    block = keras.Input((7, 7, 160))
    x = block
    for name in TUNED_LAYERS:
        source = backbone.get_layer(name)
        layer = source.__class__.from_config(source.get_config())
        x = layer(x)
        layer.set_weights(source.get_weights())
    return keras.Model(block, keras.layers.GlobalAveragePooling2D()(x))


def _classifier(keras, top, train_features: np.ndarray):  # type: ignore[no-untyped-def]
    """Block 15 and the evidence in, three logits out, on standardised inputs as the head."""
    mean, std = train_features.mean(axis=0), train_features.std(axis=0) + 1e-6
    block = keras.Input((7, 7, 160))
    evidence = keras.Input((train_features.shape[1] - EMBEDDING_SIZE,))
    embedding = (top(block) - mean[:EMBEDDING_SIZE]) / std[:EMBEDDING_SIZE]
    grouped = (evidence - mean[EMBEDDING_SIZE:]) / std[EMBEDDING_SIZE:]
    joined = keras.layers.Concatenate()([embedding, grouped])
    logits = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.l2(1e-3))(joined)
    return keras.Model([block, evidence], logits)


if __name__ == "__main__":
    main()
