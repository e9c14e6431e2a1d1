"""gw.save / gw.load for what PyTorch programs pass: state dicts and nested checkpoints, no pickle."""
import io
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
from gradwise import nn, optim

HERE = Path(__file__).resolve().parent


def _trained():
    gw.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    opt = optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.9))
    for _ in range(3):
        loss = model(gw.randn(5, 4)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, opt


def test_checkpoint_dict_round_trip(tmp_path):
    model, opt = _trained()
    ckpt = {"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(), "loss": 0.25,
            "best": float("inf"), "name": "run-1", "note": None, "sizes": (4, 3), "history": [1.5, 1.0],
            "flags": {"amp": False, 7: "int key"}}
    path = tmp_path / "ckpt.pt"
    gw.save(ckpt, path)
    back = gw.load(path, map_location="cpu", weights_only=True)
    assert back["epoch"] == 3 and back["loss"] == 0.25 and back["best"] == float("inf")
    assert back["name"] == "run-1" and back["note"] is None and back["sizes"] == (4, 3)
    assert back["history"] == [1.5, 1.0] and back["flags"] == {"amp": False, 7: "int key"}
    assert list(back["model"]) == list(model.state_dict())
    assert isinstance(back["model"]["0.weight"], gw.Tensor)
    fresh = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    fresh.load_state_dict(back["model"])
    x = gw.randn(2, 4, generator=1)
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())
    opt2 = optim.Adam(fresh.parameters(), lr=1.0)
    opt2.load_state_dict(back["optimizer"])
    assert opt2.param_groups[0]["lr"] == 1e-2 and opt2.param_groups[0]["betas"] == (0.8, 0.9)
    for a, b in zip(opt.state.values(), opt2.state.values()):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


def test_loaded_optimizer_continues_identically(tmp_path):
    model, opt = _trained()
    gw.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "c.pt")
    other, opt2 = _trained()          # same start, then overwrite with the saved state
    back = gw.load(tmp_path / "c.pt")
    other.load_state_dict(back["model"])
    opt2.load_state_dict(back["opt"])
    for m, o in ((model, opt), (other, opt2)):
        loss = m(gw.ones(2, 4)).sum()
        o.zero_grad()
        loss.backward()
        o.step()
    for p, q in zip(model.parameters(), other.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_state_dict_file_is_plain_safetensors_and_file_objects_work(tmp_path):
    from safetensors.numpy import load_file
    model, _ = _trained()
    path = tmp_path / "m.safetensors"
    gw.save(model.state_dict(), path)
    plain = load_file(str(path))
    assert sorted(plain) == sorted(model.state_dict())
    buffer = io.BytesIO()
    gw.save([gw.ones(2), np.zeros(3, np.int64), 5], buffer)
    buffer.seek(0)
    t, a, n = gw.load(buffer)
    assert isinstance(t, gw.Tensor) and isinstance(a, np.ndarray) and a.dtype == np.int64 and n == 5


def test_loads_a_file_written_by_pytorch():
    data = gw.load(HERE / "fixtures" / "torch_linear.safetensors")
    layer = nn.Linear(3, 2)
    layer.load_state_dict({k: v for k, v in data.items() if not k.startswith("io.")})
    np.testing.assert_allclose(layer(data["io.input"]).numpy(), data["io.output"].numpy(), atol=1e-6)


def test_refusals_are_clear(tmp_path):
    model, opt = _trained()
    with pytest.raises(TypeError, match=r"does not pickle whole modules; save model.state_dict\(\)"):
        gw.save(model, tmp_path / "m.pt")
    with pytest.raises(TypeError, match=r"at 'opt'.*optimizer.state_dict\(\)"):
        gw.save({"opt": opt}, tmp_path / "m.pt")
    with pytest.raises(TypeError, match="cannot store a function"):
        gw.save({"f": lambda: 0}, tmp_path / "m.pt")
    assert not (tmp_path / "m.pt").exists()
    pickled = tmp_path / "torch.pt"
    pickled.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(ValueError, match="PyTorch pickle file.*never unpickles"):
        gw.load(pickled)
