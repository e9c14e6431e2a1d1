"""gradwise.vision: torchvision's datasets, transforms and utils."""
import zlib
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
from gradwise.utils.data import DataLoader
from gradwise.vision import datasets, transforms as T, utils
from gradwise.vision.transforms import functional as F

HERE = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not (SHARED / "mnist").exists(),
                                  reason=f"the shared datasets are not at {SHARED} (they are in CI)")


def test_lazy_import_and_torchvision_alias():
    import gradwise.vision
    assert gw.vision is gradwise.vision
    from gradwise.run import target_of
    assert target_of("torchvision.transforms") == "gradwise.vision.transforms"


def test_to_tensor_and_normalize():
    img = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)          # H, W, C
    t = T.ToTensor()(img)
    assert t.shape == (3, 2, 4) and t.dtype == gw.float32
    np.testing.assert_allclose(t.numpy()[2, 1, 3], 23 / 255, rtol=1e-6)
    assert T.ToTensor()(np.zeros((5, 6), np.uint8)).shape == (1, 5, 6)
    n = T.Normalize((0.5, 0.5, 0.5), (0.5, 0.25, 1.0))(t)
    np.testing.assert_allclose(n.numpy()[1], (t.numpy()[1] - 0.5) / 0.25, rtol=1e-6)
    with pytest.raises(TypeError, match="apply ToTensor first"):
        T.Normalize((0.5,), (0.5,))(img)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(t)


def test_resize_matches_pytorch_interpolate():
    from gradwise.serialization import load
    ref = load(HERE / "fixtures" / "resize.safetensors")
    x = gw.Tensor(ref["input"])
    for key, expected in ref.items():
        if key == "input":
            continue
        mode, size = key.split("_")
        h, w = map(int, size.split("x"))
        got = F.resize(x, [h, w], interpolation=T.InterpolationMode(mode))
        np.testing.assert_allclose(got.numpy(), expected, atol=1e-6, err_msg=key)
    assert F.resize(x, 10).shape == (1, 2, 10, 14)                     # shorter side to 10
    assert T.Resize((4, 3))(np.zeros((8, 6, 3), np.uint8)).shape == (4, 3, 3)


def test_crops_flips_pad():
    img = np.arange(5 * 6, dtype=np.uint8).reshape(5, 6)
    assert F.center_crop(img, 3).tolist() == img[1:4, 2:5].tolist()
    big = F.center_crop(gw.Tensor(img[None].astype(np.float32)), [7, 6])
    assert big.shape == (1, 7, 6) and big.numpy()[0, 0].sum() == 0
    odd = F.center_crop(np.ones((5, 5), np.uint8), 8)              # torchvision: 1 row above, 2 below
    assert odd[:, 3].tolist() == [0] + [1] * 5 + [0, 0]
    assert F.hflip(img).tolist() == img[:, ::-1].tolist() and F.vflip(img).tolist() == img[::-1].tolist()
    assert F.pad(img, (1, 2)).shape == (9, 8) and F.pad(img, 1, padding_mode="edge")[0, 0] == img[0, 0]
    gw.manual_seed(0)
    crops = [T.RandomCrop(5, padding=2)(img) for _ in range(20)]
    assert all(c.shape == (5, 5) for c in crops) and len({c.tobytes() for c in crops}) > 1
    gw.manual_seed(0)
    assert all((a == b).all() for a, b in zip(crops, [T.RandomCrop(5, padding=2)(img) for _ in range(20)]))
    with pytest.raises(ValueError, match="larger than the input image size"):
        T.RandomCrop(9)(img)
    flips = [T.RandomHorizontalFlip(p=0.5)(img)[0, 0] for _ in range(40)]
    assert {int(f) for f in flips} == {0, 5}


def test_rotation_and_affine():
    img = gw.Tensor(np.random.default_rng(0).random((2, 6, 6), dtype=np.float32))
    np.testing.assert_array_equal(F.rotate(img, 90).numpy(), np.rot90(img.numpy(), 1, axes=(1, 2)))
    np.testing.assert_allclose(F.rotate(img, 0, interpolation="bilinear").numpy(), img.numpy(), atol=1e-6)
    shifted = F.affine(img, 0, (2, 1), 1.0, 0.0)
    np.testing.assert_array_equal(shifted.numpy()[:, 1:, 2:], img.numpy()[:, :-1, :-2])
    assert (shifted.numpy()[:, 0, :] == 0).all()
    assert F.rotate(np.zeros((4, 8), np.uint8), 90, expand=True).shape == (8, 4)
    gw.manual_seed(3)
    out = T.RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5)(img)
    assert out.shape == img.shape
    assert T.RandomRotation((-10, 10))(np.zeros((28, 28), np.uint8)).shape == (28, 28)
    with pytest.raises(ValueError, match="must be non-negative"):
        T.RandomRotation(-3)


def test_random_resized_crop_and_to_pil_image():
    img = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    gw.manual_seed(0)
    outs = [T.RandomResizedCrop(8)(img) for _ in range(5)]
    assert all(o.shape == (8, 8, 3) and o.dtype == np.uint8 for o in outs) and len({o.tobytes() for o in outs}) > 1
    whole = T.RandomResizedCrop((20, 30), scale=(1.0, 1.0), ratio=(1.5, 1.5))(img)
    np.testing.assert_array_equal(whole, img)                    # the only window: the image itself
    back = T.ToPILImage()(T.ToTensor()(img))
    assert back.shape == (20, 30, 3) and np.abs(back.astype(int) - img).max() <= 1
    assert T.ToPILImage()(gw.zeros(1, 4, 5)).shape == (4, 5)


def test_compose_and_lambda():
    t = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2)])
    assert t(np.full((2, 2), 255, np.uint8)).numpy().max() == 2.0
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)


def test_fake_data_and_loader():
    ds = datasets.FakeData(size=10, image_size=(3, 8, 6), num_classes=4, transform=T.ToTensor())
    x, y = ds[3]
    assert x.shape == (3, 8, 6) and isinstance(y, int) and 0 <= y < 4
    assert (ds[3][0].numpy() == x.numpy()).all()
    xb, yb = next(iter(DataLoader(ds, batch_size=5)))
    assert xb.shape == (5, 3, 8, 6) and yb.dtype == gw.int64


def test_make_grid_and_png(tmp_path):
    batch = gw.Tensor(np.random.default_rng(0).random((5, 1, 4, 3), dtype=np.float32))
    grid = utils.make_grid(batch, nrow=2, padding=1)
    assert grid.shape == (3, 3 * 5 + 1, 2 * 4 + 1)
    np.testing.assert_array_equal(grid.numpy()[0, 1:5, 1:4], batch.numpy()[0, 0])
    norm = utils.make_grid(batch * 10 - 3, normalize=True)
    assert float(norm.numpy().max()) <= 1.0
    path = tmp_path / "grid.png"
    utils.save_image(batch, path, nrow=2)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4:idat], "big")
    rows = np.frombuffer(zlib.decompress(data[idat + 4:idat + 4 + length]), np.uint8).reshape(h, 1 + 3 * w)
    expected = np.clip(utils.make_grid(batch, nrow=2).numpy() * 255 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(rows[:, 1:].reshape(h, w, 3), expected.transpose(1, 2, 0))


def test_mnist_missing_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADWISE_DATASETS", raising=False)
    with pytest.raises(RuntimeError, match=r"dataset not found[\s\S]*MNIST/raw[\s\S]*download=True"):
        datasets.MNIST(tmp_path)


def test_mnist_in_torchvision_layout(tmp_path):
    import gzip
    import struct
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images = np.arange(3 * 28 * 28, dtype=np.uint32).reshape(3, 28, 28).astype(np.uint8)
    for name, arr in (("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", np.array([4, 1, 9], np.uint8))):
        head = struct.pack(">HBB", 0, 8, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
        (raw / (name + ".gz")).write_bytes(gzip.compress(head + arr.tobytes()))
    ds = datasets.MNIST(tmp_path, train=False, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]),
                        target_transform=None)
    img, label = ds[2]
    assert label == 9 and isinstance(label, int) and img.shape == (1, 28, 28)
    xb, yb = next(iter(DataLoader(ds, batch_size=3)))
    np.testing.assert_allclose(xb.numpy()[2], img.numpy(), atol=1e-6)
    assert yb.tolist() == [4, 1, 9]
    with_target = datasets.MNIST(tmp_path, train=False, target_transform=lambda t: t + 1)
    assert with_target[0][1] == 5 and with_target[0][0].dtype == np.uint8
    assert not hasattr(with_target, "get_batch")


@needs_shared
def test_mnist_from_shared_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADWISE_DATASETS", str(SHARED))
    train = datasets.MNIST(tmp_path, train=True, transform=T.ToTensor())
    test = datasets.FashionMNIST(tmp_path, train=False)
    assert len(train) == 60_000 and len(test) == 10_000 and test.classes[9] == "Ankle boot"
    assert train.targets.shape == (60_000,) and train.data.dtype == gw.uint8
    assert np.bincount(test.targets.numpy()).tolist() == [1000] * 10


def test_download_goes_to_the_raw_folder_and_checks_md5(tmp_path, monkeypatch):
    import gzip
    import hashlib
    import http.server
    import struct
    import threading
    monkeypatch.delenv("GRADWISE_DATASETS", raising=False)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    blobs = {}
    for name, arr in (("t10k-images-idx3-ubyte.gz", np.zeros((2, 28, 28), np.uint8)),
                      ("t10k-labels-idx1-ubyte.gz", np.array([3, 8], np.uint8))):
        head = struct.pack(">HBB", 0, 8, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
        blobs[name] = gzip.compress(head + arr.tobytes())
        (mirror / name).write_bytes(blobs[name])

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(mirror), **k)

        def log_message(self, *a):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        class Source:
            mirrors = (f"http://127.0.0.1:{server.server_address[1]}/",)
            files = {"test": ("t10k-images-idx3-ubyte.gz", hashlib.md5(blobs["t10k-images-idx3-ubyte.gz"]).hexdigest(),
                              "t10k-labels-idx1-ubyte.gz", "0" * 32)}

        class Local(datasets.MNIST):
            source = Source
        with pytest.raises(RuntimeError, match=r"could not download t10k-labels[\s\S]*does not match the published"):
            Local(tmp_path / "data", train=False, download=True)
        assert (tmp_path / "data" / "Local" / "raw" / "t10k-images-idx3-ubyte.gz").exists()
        Source.files = {"test": Source.files["test"][:3] + (hashlib.md5(blobs["t10k-labels-idx1-ubyte.gz"]).hexdigest(),)}
        ds = Local(tmp_path / "data", train=False, download=True)
        assert len(ds) == 2 and ds[1][1] == 8
    finally:
        server.shutdown()
