#!/usr/bin/env python3
"""PyTorch CPU side of the peer race: trains an MLP 784-128-10 on MNIST on one thread.

Mirrors `unlearn bench trainer --model mlp:128 --optimizer adam`: pixels scaled x/255,
Adam (lr 1e-3, PyTorch defaults: bias-corrected, eps 1e-8), cross-entropy, a seeded
permutation of the whole training set per epoch, last partial batch included.
Only the training loop is timed (data already in memory as tensors), after a short
warm-up on a throwaway model so one-time initialisation is not charged.
Prints one JSON object: {"batch","samples","seconds","torch_samples_per_s","accuracy",...}.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

# One thread each, set before any parallel work (set_num_interop_threads must come first).
torch.set_num_interop_threads(1)
torch.set_num_threads(1)


def read_idx(path):
    """Parses an uncompressed IDX file of unsigned bytes into a numpy array of its shape."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        sys.exit(f"torch_mlp.py: {path}: not an IDX file (bad magic)")
    if data[2] != 0x08:
        sys.exit(f"torch_mlp.py: {path}: IDX element type 0x{data[2]:02x}, expected 0x08 (unsigned byte)")
    ndim = data[3]
    header = 4 + 4 * ndim
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims))
    if len(data) - header != expected:
        sys.exit(f"torch_mlp.py: {path}: header says {dims} = {expected} bytes, file has {len(data) - header}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def load(images_path, labels_path):
    """Images as float32 [n, 784] in [0, 1], labels as int64 [n]."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.shape[0] != labels.shape[0]:
        sys.exit(f"torch_mlp.py: {images_path} has {images.shape[0]} images but {labels_path} has {labels.shape[0]} labels")
    x = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255))
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def make_model(features, hidden, classes):
    return nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def unlearn_init_(model):
    """Re-initialises like unlearn: He-uniform for ReLU hidden layers, Glorot-uniform for the
    output layer, zero biases (a check that an accuracy gap comes from init, not from the math)."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for i, m in enumerate(linears):
            fan_out, fan_in = m.weight.shape
            limit = (6 / fan_in) ** 0.5 if i < len(linears) - 1 else (6 / (fan_in + fan_out)) ** 0.5
            m.weight.uniform_(-limit, limit)
            m.bias.zero_()


def make_optimizer(model, lr, impl):
    # "default" is what a user gets from torch.optim.Adam(lr=...); the others are opt-in kernels.
    kwargs = {"foreach": True} if impl == "foreach" else {"fused": True} if impl == "fused" else {}
    return torch.optim.Adam(model.parameters(), lr=lr, **kwargs)


def train(model, opt, loss_fn, x, y, batch, epochs, seed):
    """The timed loop: per epoch a seeded permutation, then plain index-and-step per batch."""
    n = x.shape[0]
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    return loss.item()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="train images (IDX)")
    p.add_argument("--labels", required=True, help="train labels (IDX)")
    p.add_argument("--test-data", required=True, help="test images (IDX)")
    p.add_argument("--test-labels", required=True, help="test labels (IDX)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--warmup", type=int, default=20, help="steps on a throwaway model before timing")
    p.add_argument("--adam", choices=["default", "foreach", "fused"], default="default")
    p.add_argument("--init", choices=["torch", "unlearn"], default="torch",
                   help="torch: nn.Linear's own init (kaiming-uniform a=sqrt(5)); unlearn: He/Glorot-uniform, zero biases")
    a = p.parse_args()
    if a.batch < 1 or a.epochs < 1:
        sys.exit("torch_mlp.py: --batch and --epochs must be >= 1")

    x, y = load(a.data, a.labels)
    xt, yt = load(a.test_data, a.test_labels)
    classes = int(max(y.max().item(), yt.max().item())) + 1
    loss_fn = nn.CrossEntropyLoss()

    # Warm-up: same shapes, same code path, throwaway model and optimizer.
    torch.manual_seed(a.seed + 1_000_003)
    w_model = make_model(x.shape[1], a.hidden, classes)
    w_opt = make_optimizer(w_model, a.lr, a.adam)
    w_n = min(x.shape[0], a.warmup * a.batch)
    if w_n > 0:
        train(w_model, w_opt, loss_fn, x[:w_n], y[:w_n], a.batch, 1, a.seed + 1)
    del w_model, w_opt

    torch.manual_seed(a.seed)
    model = make_model(x.shape[1], a.hidden, classes)
    if a.init == "unlearn":
        unlearn_init_(model)
    opt = make_optimizer(model, a.lr, a.adam)
    t0 = time.perf_counter()
    last_loss = train(model, opt, loss_fn, x, y, a.batch, a.epochs, a.seed)
    seconds = time.perf_counter() - t0

    with torch.no_grad():
        accuracy = (model(xt).argmax(dim=1) == yt).float().mean().item()

    samples = a.epochs * x.shape[0]
    print(json.dumps({
        "batch": a.batch,
        "samples": samples,
        "seconds": seconds,
        "torch_samples_per_s": samples / seconds,
        "accuracy": round(accuracy, 6),
        "last_loss": round(last_loss, 6),
        "epochs": a.epochs,
        "adam": a.adam,
        "init": a.init,
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
    }))


if __name__ == "__main__":
    main()
