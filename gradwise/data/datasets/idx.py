"""MNIST and Fashion-MNIST from their original IDX .gz files, read safely.

The parser checks the header against the file's size before it allocates anything, and names
the damaged file and what is wrong with it.
"""
import gzip
import hashlib
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from ...errors import DownloadError, FileFormatError, MissingFileError
from ..dataset import ArrayDataset

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"),
           0x0E: np.dtype(">f8")}


def read_idx(path):
    """Read an IDX file (optionally gzip-compressed) into an ndarray.

    Every failure (bad magic, a header that promises more than the file holds, damaged gzip
    data) is a FileFormatError naming the file; nothing larger than the header's promise, itself
    checked against the file's size, is allocated.
    """
    path = Path(path)
    gz = path.suffix == ".gz"
    try:
        with (gzip.open if gz else open)(path, "rb") as f:
            dtype, dims, expected = _header(path, f, gz)
            data = f.read(expected)
    except (OSError, EOFError, zlib.error) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise FileFormatError(path, f"cannot be read as IDX{' (gzip)' if gz else ''}: {e}; the file is damaged "
                                    f"(download it again)") from None
    if len(data) != expected:
        raise FileFormatError(path, f"expected {expected} bytes of data, read {len(data)}; the file is truncated")
    return np.frombuffer(data, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def _header(path, f, gz):
    head = f.read(4)
    if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _DTYPES:
        raise FileFormatError(path, f"not an IDX file (magic bytes {head.hex() or 'missing'}; expected "
                                    f"00 00 <type> <ndim>)")
    dtype, ndim = np.dtype(_DTYPES[head[2]]), head[3]
    dims_raw = f.read(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise FileFormatError(path, f"the header is cut short ({len(dims_raw)} of {4 * ndim} dimension bytes)")
    dims = struct.unpack(">" + "I" * ndim, dims_raw)
    expected = math.prod(dims) * dtype.itemsize
    size = os.path.getsize(path)
    if gz and expected > _MAX_GZIP_RATIO * size:
        raise FileFormatError(path, f"the header promises {dims} values ({expected} bytes), more than {size} "
                                    f"compressed bytes can hold; the file is damaged")
    actual = _payload_size(path, 4 + 4 * ndim, gz)
    if actual != expected:
        raise FileFormatError(path, f"the header promises {dims} values ({expected} bytes) but the file holds "
                                    f"{actual} bytes of data; it is truncated or damaged (download it again)")
    return dtype, dims, expected


_MAX_GZIP_RATIO = 1032          # deflate never expands data by more than about 1032:1


def _payload_size(path, header, gz):
    if not gz:
        return os.path.getsize(path) - header
    with open(path, "rb") as raw:           # gzip's trailer holds the uncompressed size (mod 2^32)
        raw.seek(-4, os.SEEK_END)
        return struct.unpack("<I", raw.read(4))[0] - header


def _md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download(mirrors, folder, name, md5, who, timeout=30):
    """Fetch ``name`` from the first mirror that has it into ``folder``, keeping it only when its
    md5 matches the published one; a clear error (offline? which URLs failed?) otherwise."""
    import urllib.error        # only here: urllib pulls in ssl and http, slow to import
    import urllib.request
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    errors = []
    for mirror in mirrors:
        url = mirror + name
        tmp = folder / f".{name}.part"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r, open(tmp, "wb") as out:
                out.write(r.read())
        except (urllib.error.URLError, OSError) as e:
            errors.append(f"{url}: {getattr(e, 'reason', e)}")
            tmp.unlink(missing_ok=True)
            continue
        got = _md5(tmp)
        if got != md5:
            tmp.unlink()
            errors.append(f"{url}: md5 {got} does not match the published {md5}")
            continue
        os.replace(tmp, folder / name)
        return folder / name
    raise DownloadError(f"{who}: could not download {name} (are you offline?). Tried:\n  " + "\n  ".join(errors)
                       + f"\nCopy the original file into {folder} instead.")


class _IDXDataset(ArrayDataset):
    files = {}          # split -> (images file, md5, labels file, md5)
    mirrors = ()
    classes = list(range(10))

    def __init__(self, root, train=True, download=False):
        root = Path(root)
        img_name, img_md5, lbl_name, lbl_md5 = self.files["train" if train else "test"]
        for name, md5 in ((img_name, img_md5), (lbl_name, lbl_md5)):
            if not (root / name).exists():
                if not download:
                    raise MissingFileError(
                        f"{type(self).__name__}: {root / name} does not exist. Put the original IDX .gz files in "
                        f"{root}, or pass download=True to fetch them from {self.mirrors[0]}")
                self._download(root, name, md5)
        images = read_idx(root / img_name)
        labels = read_idx(root / lbl_name).astype(np.int64)
        if len(images) != len(labels):
            raise FileFormatError(root / lbl_name, f"{type(self).__name__}: {len(images)} images but {len(labels)} "
                                                   f"labels; one of the two files is from another set")
        self.images, self.labels = images, labels
        # uint8 stays in memory; each batch becomes float32 in [0, 1] with a channel axis
        super().__init__(images, labels, transform=lambda x: (x.astype(np.float32) / 255.0)[:, None])

    def _download(self, root, name, md5):
        download(self.mirrors, root, name, md5, type(self).__name__)


class MNIST(_IDXDataset):
    """MNIST handwritten digits (LeCun, Cortes and Burges; CC BY-SA 3.0): 60,000 training and
    10,000 test images, (1, 28, 28) float32 in [0, 1], labels int64.

    Args:
        root: the folder with the four original .gz files (e.g. ../shared/data/mnist).
        train: the training set (else the test set).
        download: fetch missing files from the public mirrors and check their md5.
    """
    files = {"train": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                       "train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
             "test": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
                      "t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")}
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")


class FashionMNIST(_IDXDataset):
    """Fashion-MNIST (Zalando Research, MIT licence): 10 clothing classes, same format as MNIST."""
    files = {"train": ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                       "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
             "test": ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79",
                      "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")}
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
