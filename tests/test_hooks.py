"""PyTorch's hooks that the doctor attaches through: module forward pre-hooks (per module and
global), optimizer step pre/post hooks (per optimizer and global)."""
import gradwise as gw
from gradwise import nn, optim
from gradwise.nn import module as module_mod
from gradwise.optim import optimizer as optimizer_mod


def test_forward_pre_hooks_run_before_forward_and_remove():
    calls = []
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    h = model.register_forward_pre_hook(lambda m, inp: calls.append(("pre", inp[0].shape)))
    g = model.register_forward_hook(lambda m, inp, out: calls.append(("post", out.shape)))
    model(gw.ones(3, 2))
    assert calls == [("pre", gw.Size((3, 2))), ("post", gw.Size((3, 2)))]
    h.remove(), g.remove()
    model(gw.ones(3, 2))
    assert len(calls) == 2


def test_global_module_hooks_see_every_module_call():
    seen = []
    pre = module_mod.register_module_forward_pre_hook(lambda m, inp: seen.append(type(m).__name__))
    post = module_mod.register_module_forward_hook(lambda m, inp, out: seen.append("/" + type(m).__name__))
    try:
        nn.Sequential(nn.Linear(2, 2), nn.ReLU())(gw.ones(1, 2))
    finally:
        pre.remove(), post.remove()
    assert seen == ["Sequential", "Linear", "/Linear", "ReLU", "/ReLU", "/Sequential"]


def test_optimizer_step_hooks_in_order_for_every_optimizer_class():
    for cls in (optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad):
        w = nn.Parameter(gw.ones(2))
        opt = cls([w], lr=0.1)
        calls = []
        opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", float(w.numpy()[0]))))
        post = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", float(w.numpy()[0]))))
        glob = optimizer_mod.register_optimizer_step_post_hook(lambda o, a, k: calls.append(("global", o is opt)))
        (w * w).sum().backward()
        try:
            opt.step()
        finally:
            glob.remove()
        assert [c[0] for c in calls] == ["pre", "post", "global"] and calls[0][1] == 1.0 and calls[1][1] < 1.0, cls
        assert calls[2][1] is True
        post.remove()
        opt.step()
        assert [c[0] for c in calls] == ["pre", "post", "global", "pre"]
