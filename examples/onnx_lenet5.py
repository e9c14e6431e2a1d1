"""Export MNIST LeNet-5 to ONNX, run it in onnxruntime, and load the file back into gradwise.

    python examples/onnx_lenet5.py [--weights runs/mnist-lenet5/lenet5.safetensors] [--epochs 1]

Uses the weights written by examples/mnist_lenet5.py when they exist, else trains LeNet-5 for
``--epochs`` first. Prints the test accuracy of gradwise, onnxruntime and the reloaded model,
and the largest difference between their logits. Needs onnx and onnxruntime.
"""
import argparse
import time
from pathlib import Path

import numpy as np

import gradwise as gw
from gradwise import models
from gradwise.data import MNIST


def logits_in_batches(fn, images, batch=1000):
    return np.concatenate([fn(images[i:i + batch]) for i in range(0, len(images), batch)])


def main(data_dir, weights, epochs=1, out="runs/mnist-lenet5"):
    import onnxruntime as ort
    test = MNIST(data_dir, train=False)
    model = models.lenet5(generator=0)
    if Path(weights).exists():
        model.load_state_dict(gw.load(weights))
    else:
        print(f"{weights} not found: training LeNet-5 for {epochs} epoch(s) first")
        trainer = gw.Trainer(model, "cross_entropy", "adam", metrics=["accuracy"], seed=0)
        trainer.fit(MNIST(data_dir, train=True), epochs=epochs, batch_size=64, verbose=False)
    model.eval()
    path = Path(out) / "lenet5.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    images = np.stack([test[i][0] for i in range(len(test))]).astype(np.float32)   # (N, 1, 28, 28) in [0, 1]
    labels = np.asarray(test.labels)
    started = time.perf_counter()
    gw.onnx.export(model, gw.tensor(images[:2]), str(path), input_names=["image"], output_names=["logits"],
                   dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    print(f"exported {path} ({path.stat().st_size:,} bytes) in {time.perf_counter() - started:.2f} s")

    def gradwise_logits(x, m=model):
        with gw.no_grad():
            return m(gw.tensor(x)).numpy()

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    reloaded = gw.onnx.load(str(path))
    results = {"gradwise": logits_in_batches(gradwise_logits, images),
               "onnxruntime": logits_in_batches(lambda x: session.run(None, {"image": x})[0], images),
               "gw.onnx.load": logits_in_batches(lambda x: gradwise_logits(x, reloaded), images)}
    for name, logits in results.items():
        diff = np.abs(logits - results["gradwise"]).max()
        print(f"{name:>13}: test accuracy {(logits.argmax(1) == labels).mean():.4f}, "
              f"largest logit difference from gradwise {diff:.2e}")
    return results


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="../shared/data/mnist")
    p.add_argument("--weights", default="runs/mnist-lenet5/lenet5.safetensors")
    p.add_argument("--epochs", type=int, default=1)
    args = p.parse_args()
    main(args.data_dir, args.weights, args.epochs)
