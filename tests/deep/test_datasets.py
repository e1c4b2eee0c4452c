"""Dataset readers on small files in the standard formats written here, and the offline digits."""

import gzip
import pickle

import numpy as np
import pytest

from salnest.deep.datasets import DatasetError, load, read_idx


def _idx(path, array, gz=False):
    magic = {1: 0x801, 3: 0x803}[array.ndim]
    data = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape) + array.tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_files_read_as_written(tmp_path, gz):
    rng = np.random.default_rng(1)
    arrays = {}
    for split, n in (("train", 6), ("t10k", 3)):
        arrays[split] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)
        suffix = ".gz" if gz else ""
        _idx(tmp_path / f"{split}-images-idx3-ubyte{suffix}", arrays[split][0], gz)
        _idx(tmp_path / f"{split}-labels-idx1-ubyte{suffix}", arrays[split][1], gz)
    ds = load("fashion_mnist", tmp_path)
    assert ds.shape == (1, 28, 28) and ds.x_train.dtype == np.float32
    np.testing.assert_array_equal(np.round(ds.x_train[:, 0] * 255).astype(np.uint8), arrays["train"][0])
    np.testing.assert_array_equal(ds.y_test, arrays["t10k"][1])


def test_malformed_idx_files_are_named(tmp_path):
    path = tmp_path / "x"
    _idx(path, np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(DatasetError, match="1 dimension"):
        read_idx(path, 1)  # an image file where labels are expected
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(DatasetError, match="17 bytes of data for dimensions \\[2, 3, 3\\]"):
        read_idx(path, 3)
    with pytest.raises(DatasetError, match="has none of \\['train-images-idx3-ubyte'"):
        load("mnist", tmp_path)


def test_cifar10_batches(tmp_path):
    rng = np.random.default_rng(2)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    written = {}
    for name in [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]:
        data, labels = rng.integers(0, 256, (4, 3072), dtype=np.uint8), list(rng.integers(0, 10, 4))
        written[name] = data, labels
        pickle.dump({b"data": data, b"labels": labels}, open(folder / name, "wb"))
    ds = load("cifar10", tmp_path)
    assert ds.x_train.shape == (20, 3, 32, 32) and ds.x_test.shape == (4, 3, 32, 32)
    # channel-major rows: the first 1024 values are the red plane
    np.testing.assert_array_equal(np.round(ds.x_test[1, 0] * 255).astype(np.uint8).ravel(),
                                  written["test_batch"][0][1, :1024])
    np.testing.assert_array_equal(ds.y_train[4:8], written["data_batch_2"][1])
    (folder / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(DatasetError, match="data_batch_3 is not a CIFAR-10 python batch"):
        load("cifar10", tmp_path)
    pickle.dump({b"data": written["data_batch_3"][0], b"labels": written["data_batch_3"][1]},
                open(folder / "data_batch_3", "wb"))
    (folder / "test_batch").unlink()
    with pytest.raises(DatasetError, match="test_batch is missing"):
        load("cifar10", folder)


def test_svhn_mat_files(tmp_path):
    from scipy.io import savemat

    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, (32, 32, 3, 5), dtype=np.uint8)
    y = np.array([[10], [1], [2], [10], [9]], dtype=np.uint8)
    for name in ("train_32x32.mat", "test_32x32.mat"):
        savemat(tmp_path / name, {"X": X, "y": y})
    ds = load("svhn", tmp_path)
    assert ds.shape == (3, 32, 32)
    np.testing.assert_array_equal(ds.y_train, [0, 1, 2, 0, 9])  # SVHN's 10 is the digit 0
    np.testing.assert_array_equal(np.round(ds.x_train[2, 1] * 255).astype(np.uint8), X[:, :, 1, 2])
    savemat(tmp_path / "test_32x32.mat", {"X": X[:, :, :, :3], "y": y})
    with pytest.raises(DatasetError, match="X \\(32, 32, 3, 3\\) with 5 labels"):
        load("svhn", tmp_path)


def test_missing_and_unknown_datasets_are_explained(tmp_path):
    with pytest.raises(DatasetError, match="train_32x32.mat is missing"):
        load("svhn", tmp_path)
    with pytest.raises(DatasetError, match="give the folder"):
        load("cifar10")
    with pytest.raises(DatasetError, match="unknown dataset 'imagenet'"):
        load("imagenet")


@pytest.mark.parametrize("name, n_train, n_test, shape", [("mnist5k", 4000, 1000, (1, 28, 28)),
                                                          ("digits", 1437, 360, (1, 8, 8))])
def test_offline_digits_are_real_and_split_the_same_way_every_time(name, n_train, n_test, shape):
    ds = load(name)
    assert (len(ds.x_train), len(ds.x_test), ds.shape, ds.n_classes) == (n_train, n_test, shape, 10)
    assert 0.0 <= ds.x_train.min() and ds.x_train.max() <= 1.0
    # every class in the test split (the sources are sorted by label: the split shuffles first)
    assert set(np.unique(ds.y_test)) == set(range(10))
    np.testing.assert_array_equal(load(name).y_test, ds.y_test)
