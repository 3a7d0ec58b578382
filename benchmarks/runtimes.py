"""Compare the light inference runtimes on the exported model: LiteRT vs ONNX Runtime.

Each runtime is timed in a fresh subprocess (so start-up includes its import), for batch 1 and 16,
with 1 and 2 threads, on real photos decoded through the app's contract. Prints a table and, with
``--json``, writes the figures.

    python benchmarks/runtimes.py --model-dir DIR \
        --photos ../shared/data/dogs-vs-cats/validation
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
runtime, model, npy = sys.argv[1], sys.argv[2], sys.argv[5]
threads, batch = int(sys.argv[3]), int(sys.argv[4])
import numpy as np
if runtime == "litert":
    from ai_edge_litert.interpreter import Interpreter
    interp = Interpreter(model_path=model, num_threads=threads)
    runner = interp.get_signature_runner()
    name = next(iter(runner.get_input_details()))
    def infer(x):
        return runner(**{name: x})["probabilities"]
else:
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    out = [o.name for o in sess.get_outputs() if "prob" in o.name][0]
    def infer(x):
        return sess.run([out], {name: x})[0]
pixels = np.load(npy).astype(np.float32)
first = infer(pixels[:1])
startup = time.perf_counter() - t0
infer(pixels[:batch])
n = (len(pixels) // batch) * batch
elapsed = float("inf")
for _ in range(3):  # best of three: the least disturbed by anything else on the machine
    t1 = time.perf_counter()
    probs = [infer(pixels[i:i + batch]) for i in range(0, n, batch)]
    elapsed = min(elapsed, time.perf_counter() - t1)
print(json.dumps({"startup_s": startup, "ms_per_image": elapsed / n * 1000,
                  "probs": np.concatenate(probs).tolist()[:8]}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=Path("resources/model"))
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import numpy as np

    from dogcat_desktop.core.imaging import is_image_name, load_pixels

    files = sorted(p for p in args.photos.rglob("*") if is_image_name(p))[: args.count]
    npy = Path("/tmp/dogcat-runtime-bench.npy")
    np.save(npy, np.stack([load_pixels(p) for p in files]))

    rows = []
    for runtime, model in (("litert", "model.tflite"), ("onnxruntime", "model.onnx")):
        path = args.model_dir / model
        if not path.exists():
            print(f"skipping {runtime}: {path} not found")
            continue
        for threads in (1, 2):
            for batch in (1, 16):
                out = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        CHILD,
                        runtime,
                        str(path),
                        str(threads),
                        str(batch),
                        str(npy),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append({"runtime": runtime, "threads": threads, "batch": batch, **figures})
                print(
                    f"{runtime:12s} threads={threads} batch={batch:2d}  "
                    f"{figures['ms_per_image']:7.2f} ms/image  "
                    f"start-up {figures['startup_s']:.2f} s"
                )
    if args.json:
        for row in rows:
            row.pop("probs", None)
        args.json.write_text(json.dumps({"date": time.strftime("%F"), "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
