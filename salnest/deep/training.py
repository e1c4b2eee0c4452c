"""Training the deep-network study's networks with SGD: the data as the network sees it, one pass over
the training images, and the test loss and accuracy. PyTorch is imported where it is used.

Every random choice of a pass (the order of the images, the flips and shifts of the augmentation)
comes from a NumPy stream the caller passes, so that conditions that share a stream see the same
batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The reference's augmentation: random crop (pad 4) and flip for CIFAR-10 and SVHN, flip for the rest.
REFERENCE_AUGMENT = {"cifar10": "crop_flip", "svhn": "crop_flip"}


def augment_mode(dataset: str, augment: str) -> str:
    """The augmentation a protocol's ``data.augment`` means for ``dataset`` (``"reference"``: the paper's)."""
    return REFERENCE_AUGMENT.get(dataset, "flip") if augment == "reference" else augment


@dataclass
class Images:
    """Training and test images, normalised per channel by the training images' mean and standard deviation."""

    x_train: object      # torch.Tensor (n, channels, height, width) on the training device
    y_train: np.ndarray  # labels
    x_test: object
    y_test: np.ndarray

    @classmethod
    def of(cls, data, n_train: int | None, n_test: int | None, device) -> "Images":
        """The first ``n_train`` and ``n_test`` images (None: all) of a :class:`salnest.deep.datasets` dataset."""
        import torch

        x, y_train = data.x_train[:n_train], data.y_train[:n_train]
        mean = x.mean(axis=(0, 2, 3), keepdims=True)
        std = x.std(axis=(0, 2, 3), keepdims=True)
        return cls(torch.as_tensor((x - mean) / std, device=device), y_train,
                   torch.as_tensor((data.x_test[:n_test] - mean) / std, device=device), data.y_test[:n_test])


def augment(x, mode: str, flips: np.ndarray, shifts: np.ndarray):
    """A batch (n, c, h, w) flipped horizontally where ``flips``, and for ``crop_flip`` also shifted
    by ``shifts`` (n, 2) pixels in [-4, 4] with zeros coming in (a random 32x32 crop of the image
    padded by 4)."""
    import torch

    if mode == "none":
        return x
    x = torch.where(torch.as_tensor(flips, device=x.device)[:, None, None, None], x.flip(-1), x)
    if mode == "crop_flip":
        h, w = x.shape[-2:]
        padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
        x = torch.stack([padded[j, :, 4 + dy:4 + dy + h, 4 + dx:4 + dx + w] for j, (dy, dx) in enumerate(shifts)])
    return x


def train_pass(net, optimizer, images: Images, batch_size: int, mode: str, rng: np.random.Generator) -> float:
    """One pass of SGD over the training images in an order drawn from ``rng`` (then the flips and
    shifts of ``mode``'s augmentation); returns the mean training loss (cross-entropy on the logits).
    A last batch of one image is left out: BatchNorm needs two."""
    import torch

    order = rng.permutation(len(images.y_train))
    starts = [s for s in range(0, len(order), batch_size) if len(order) - s >= 2]
    flips = rng.random(len(order)) < 0.5
    shifts = rng.integers(-4, 5, (len(order), 2))
    y = torch.as_tensor(images.y_train, device=images.x_train.device)
    net.train()
    total = 0.0
    for s in starts:
        idx = order[s:s + batch_size]
        x = augment(images.x_train[idx], mode, flips[s:s + batch_size], shifts[s:s + batch_size])
        loss = torch.nn.functional.cross_entropy(net(x), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += float(loss.detach()) * len(idx)
    return total / sum(len(order[s:s + batch_size]) for s in starts)


def evaluate(net, images: Images, batch: int = 1000) -> tuple[float, float]:
    """Mean test loss (cross-entropy) and test accuracy (%) of ``net``, in batches of ``batch`` images."""
    import torch

    net.eval()
    losses, correct = 0.0, 0
    y = torch.as_tensor(images.y_test, device=images.x_test.device)
    with torch.no_grad():
        for start in range(0, len(y), batch):
            out = net(images.x_test[start:start + batch])
            losses += float(torch.nn.functional.cross_entropy(out, y[start:start + batch], reduction="sum"))
            correct += int((out.argmax(1) == y[start:start + batch]).sum())
    return losses / len(y), 100.0 * correct / len(y)
