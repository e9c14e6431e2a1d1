"""Module.summary(): each layer's output shape and parameter count, as Keras prints them."""
import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor


def _shape_text(out):
    if isinstance(out, Tensor):
        return str((None,) + out.shape[1:])
    if isinstance(out, (tuple, list)):
        return ", ".join(_shape_text(o) for o in out)
    return type(out).__name__


def summarize(model, input_shape, batch_size=2, dtype=np.float32):
    rows, handles = [], []
    for name, module in model.named_modules():
        if module is model or next(module.children(), None) is not None:
            continue            # containers: their leaves are listed

        def hook(m, inputs, out, name=name):
            own = list(m.parameters(recurse=False))
            rows.append((f"{name} ({type(m).__name__})", _shape_text(out),
                         sum(p.numel() for p in own if p.requires_grad),
                         sum(p.numel() for p in own if not p.requires_grad)))
        handles.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(Tensor(np.zeros((batch_size,) + tuple(input_shape), dtype=dtype)))
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    buffers = sum(b.numel() for b in model.buffers())
    w1 = max([len(r[0]) for r in rows] + [len("Layer (type)")]) + 2
    w2 = max([len(r[1]) for r in rows] + [len("Output Shape")]) + 2
    rule = "=" * (w1 + w2 + 12)
    lines = [f"Model: {type(model).__name__}", rule,
             f"{'Layer (type)':<{w1}}{'Output Shape':<{w2}}{'Param #':>12}", rule]
    lines += [f"{n:<{w1}}{s:<{w2}}{t + f:>12,}" for n, s, t, f in rows]
    lines += [rule, f"Total params: {trainable + frozen:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {frozen:,}", f"Buffers (running statistics): {buffers:,}", rule]
    return "\n".join(lines)
