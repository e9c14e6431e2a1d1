import gzip
import hashlib
import http.server
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from gradwise.data import (ArrayDataset, CharText, DataLoader, Dataset, Digits, FashionMNIST, MNIST, random_split,
                           read_idx, stratified_split)

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not (SHARED / "mnist").exists(),
                                  reason=f"the shared datasets are not at {SHARED} (they are in CI)")


def test_loader_batches_and_iterations():
    ds = ArrayDataset(np.arange(10, dtype=np.float32)[:, None], np.arange(10))
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3 and len(DataLoader(ds, 4, drop_last=True)) == 2
    sizes = [len(x) for x, _ in loader]
    assert sizes == [4, 4, 2]
    assert len(DataLoader(ArrayDataset(np.zeros((10_000, 1))), batch_size=200)) == 50


def test_shuffle_is_a_function_of_seed_and_epoch():
    ds = ArrayDataset(np.arange(20)[:, None], np.arange(20))
    a, b = DataLoader(ds, 5, shuffle=True, seed=3), DataLoader(ds, 5, shuffle=True, seed=3)
    first = [y.numpy().tolist() for _, y in a]
    second = [y.numpy().tolist() for _, y in a]
    assert first != second                                      # a new order each epoch
    assert [y.numpy().tolist() for _, y in b] == first              # the same seed repeats it
    assert sorted(sum(first, [])) == list(range(20))
    resumed = [y.numpy().tolist() for _, y in b.batches(1, start=2)]
    assert resumed == second[2:]


def test_custom_dataset_and_collate():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i], np.float32), i * i
    x, y = next(iter(DataLoader(Squares(), batch_size=5)))
    assert y.numpy().tolist() == [0, 1, 4, 9, 16] and x.shape == (5, 1)
    total = next(iter(DataLoader(Squares(), batch_size=5, collate_fn=lambda s: np.array([t for _, t in s]).sum())))
    assert total.item() == 30


def test_bad_input_is_clear():
    with pytest.raises(ValueError, match=r"same number of samples; got lengths \[3, 2\]"):
        ArrayDataset(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="empty"):
        ArrayDataset(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        DataLoader(ArrayDataset(np.zeros(3)), batch_size=0)


def test_splits():
    ds = ArrayDataset(np.arange(100)[:, None], np.arange(100) % 4)
    a, b = random_split(ds, [0.7, 0.3], seed=0)
    assert (len(a), len(b)) == (70, 30)
    assert not set(a.indices) & set(b.indices)
    with pytest.raises(ValueError, match="add up to 90"):
        random_split(ds, [50, 40])
    labels = np.array([0] * 80 + [1] * 20)
    train, test = stratified_split(ArrayDataset(np.zeros((100, 1)), labels), labels, test_fraction=0.25, seed=1)
    assert np.bincount(labels[test.indices]).tolist() == [20, 5]
    assert np.bincount(labels[train.indices]).tolist() == [60, 15]


def test_bundled_digits():
    ds = Digits()
    assert len(ds) == 1797
    x, y = ds.get_batch(np.arange(1797))
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32 and 0 <= x.min() and x.max() == 1
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert Digits(flatten=True)[0][0].shape == (64,)


def _idx_bytes(array):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_idx_round_trip_and_damage(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    good = tmp_path / "ok-idx3-ubyte.gz"
    good.write_bytes(gzip.compress(_idx_bytes(a)))
    np.testing.assert_array_equal(read_idx(good), a)
    short = tmp_path / "short-idx3-ubyte.gz"
    short.write_bytes(gzip.compress(_idx_bytes(a)[:-5]))
    with pytest.raises(ValueError, match=r"short-idx3-ubyte.gz: the header promises \(2, 3, 4\) values \(24 bytes\) "
                                         r"but the file holds 19 bytes"):
        read_idx(short)
    junk = tmp_path / "junk.gz"
    junk.write_bytes(gzip.compress(b"PK\x03\x04 not idx"))
    with pytest.raises(ValueError, match="junk.gz: not an IDX file"):
        read_idx(junk)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(_idx_bytes(a))[:20])
    with pytest.raises(ValueError, match="cut.gz"):
        read_idx(cut)


def test_missing_files_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist. Put the original IDX .gz files in .* or pass "
                                                "download=True"):
        MNIST(tmp_path)


@pytest.fixture()
def local_mirror(tmp_path):
    """A loopback HTTP server standing in for a dataset mirror."""
    root = tmp_path / "mirror"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(root), **k)

        def log_message(self, *a):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_download_checks_md5_and_fails_clearly(tmp_path, local_mirror):
    root, url = local_mirror
    images, labels = np.zeros((3, 28, 28), np.uint8), np.array([1, 2, 3], np.uint8)
    blobs = {"t10k-images-idx3-ubyte.gz": gzip.compress(_idx_bytes(images)),
             "t10k-labels-idx1-ubyte.gz": gzip.compress(_idx_bytes(labels))}
    for name, blob in blobs.items():
        (root / name).write_bytes(blob)

    class Local(MNIST):
        mirrors = ("http://127.0.0.1:9/", url)              # the first refuses: the next is tried
        files = {"test": ("t10k-images-idx3-ubyte.gz", hashlib.md5(blobs["t10k-images-idx3-ubyte.gz"]).hexdigest(),
                          "t10k-labels-idx1-ubyte.gz", "0" * 32)}
    with pytest.raises(RuntimeError, match=r"could not download t10k-labels-idx1-ubyte.gz \(are you offline\?\)"
                                           r"[\s\S]*md5 [0-9a-f]+ does not match the published 0000"):
        Local(tmp_path / "data", train=False, download=True)
    assert (tmp_path / "data" / "t10k-images-idx3-ubyte.gz").exists()          # verified and kept
    assert not (tmp_path / "data" / "t10k-labels-idx1-ubyte.gz").exists()       # rejected
    Local.files = {"test": (Local.files["test"][0], Local.files["test"][1], "t10k-labels-idx1-ubyte.gz",
                            hashlib.md5(blobs["t10k-labels-idx1-ubyte.gz"]).hexdigest())}
    ds = Local(tmp_path / "data", train=False, download=True)
    assert len(ds) == 3 and ds[1][1] == 2


@needs_shared
def test_mnist_and_fashion_from_shared_data():
    train, test = MNIST(SHARED / "mnist"), MNIST(SHARED / "mnist", train=False)
    assert (len(train), len(test)) == (60_000, 10_000)
    assert np.bincount(test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    x, y = next(iter(DataLoader(train, 8)))
    assert x.shape == (8, 1, 28, 28) and x.dtype == np.float32 and float(x.numpy().max()) <= 1.0
    assert abs(train.images.mean() - 33.32) < 0.01
    fashion = FashionMNIST(SHARED / "fashion-mnist", train=False)
    assert np.bincount(fashion.labels).tolist() == [1000] * 10 and fashion.classes[9] == "Ankle boot"


@needs_shared
def test_char_text_on_tiny_shakespeare():
    path = SHARED / "tinyshakespeare" / "input.txt"
    train, val = CharText(path, 100, split="train"), CharText(path, 100, split="val")
    assert train.vocab_size == 65 and train.vocab == val.vocab
    assert len(train.codes) == 1_003_854 and len(val.codes) == 111_540
    x, y = train[0]
    assert train.decode(x).startswith("First Citizen") and np.array_equal(x[1:], y[:-1])
    assert train.decode(train.encode("To be")) == "To be"


def test_char_text_small(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("abcabcabcab")
    ds = CharText(p, 3)
    assert len(ds) == 3 and ds.vocab == ["a", "b", "c"]
    x, y = next(iter(DataLoader(ds, batch_size=3)))
    assert x.numpy().tolist()[1] == [0, 1, 2] and y.numpy().tolist()[0] == [1, 2, 0]
