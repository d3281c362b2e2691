#!/usr/bin/env python3
"""PyTorch reference for the training benchmark (section 4): the jobs that
training_bench runs on Slope, trained the same way in PyTorch, 1 thread,
float32 and float64.

  torch_train.py DATA_DIR [--reps N]

DATA_DIR is what `training_bench --write-data DATA_DIR` wrote: the CSV files
and tasks.json, which holds every job's model, loss, optimizer, learning
rate, batch size and epoch count, so that both sides read one definition.

Like Slope's trainer (server/training/trainer.cc):
 - every row trains (no validation split), shuffled each epoch, in
   mini-batches of `batch` rows, the last one possibly smaller;
 - the loss is the batch mean of MSE, BCE on logits or softmax CE;
 - Adam with betas 0.9/0.999 and eps 1e-8 (Slope's defaults, PyTorch's too);
 - MLP weights start Xavier-uniform with zero biases, one-layer models at
   zero;
 - the epoch's running loss is accumulated (loss.item() per step, as Slope
   sums its per-step loss for the progress events);
 - the final loss, accuracy and R^2 come from a clean pass over all rows
   after the last epoch, and the timed span runs from the first step to the
   end of that pass, as Slope's wall_seconds does.
Batches are taken by indexing whole tensors with a shuffled permutation,
which is faster than a DataLoader: the best a user would write by hand.

Prints one figure per line, "KEY median min max" over the runs (run r uses
seed r + 1), which training_bench reads (bench_util.h, Figures):
  torch/<dtype>/<task>/samples_per_s
  torch/<dtype>/<task>/loss
  torch/<dtype>/<task>/metric       accuracy, or R^2 for regression
  torch/<dtype>/<task>/epochs <n>   what the figures are for
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

DTYPES = {"float32": torch.float32, "float64": torch.float64}
ACTIVATIONS = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU,
               "sigmoid": torch.nn.Sigmoid}


def stats(samples):
    """Median, min and max."""
    return statistics.median(samples), min(samples), max(samples)


def load_csv(path, target):
    with open(path) as f:
        header = f.readline().strip().split(",")
    values = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    t = header.index(target)
    features = [j for j in range(len(header)) if j != t]
    return values[:, features], values[:, t]


def make_model(task, dtype):
    sizes = task["layers"]
    layers = []
    for i in range(1, len(sizes)):
        linear = torch.nn.Linear(sizes[i - 1], sizes[i])
        if task["model"] == "mlp":
            torch.nn.init.xavier_uniform_(linear.weight)
        else:
            torch.nn.init.zeros_(linear.weight)
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i + 1 < len(sizes):
            layers.append(ACTIVATIONS[task["activation"]]())
    return torch.nn.Sequential(*layers).to(dtype)


def train_once(task, x, y, seed):
    """One run; returns (samples/s, final loss, final metric)."""
    torch.manual_seed(seed)
    model = make_model(task, x.dtype)
    if task["loss"] == "softmax_ce":
        loss_fn = torch.nn.CrossEntropyLoss()
    elif task["loss"] == "bce":
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        loss_fn = torch.nn.MSELoss()
    single = task["layers"][-1] == 1

    def forward(xb):
        out = model(xb)
        return out.squeeze(1) if single else out

    optimizer = torch.optim.Adam(model.parameters(), lr=task["lr"],
                                 betas=(0.9, 0.999), eps=1e-8)
    n, batch, epochs = x.shape[0], task["batch"], task["epochs"]
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n)
        running = 0.0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            loss = loss_fn(forward(x[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            running += loss.item() * idx.shape[0]
    with torch.no_grad():
        out = forward(x)
        final = loss_fn(out, y).item()
        if task["loss"] == "softmax_ce":
            metric = (out.argmax(1) == y).double().mean().item()
        elif task["loss"] == "bce":
            metric = ((out >= 0) == (y >= 0.5)).double().mean().item()
        else:
            sst = ((y - y.mean()) ** 2).sum()
            metric = (1 - ((out - y) ** 2).sum() / sst).item()
    seconds = time.perf_counter() - t0
    return n * epochs / seconds, final, metric


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    with open(os.path.join(args.data_dir, "tasks.json")) as f:
        tasks = json.load(f)["tasks"]
    print("# torch %s, 1 thread, %d runs per job and dtype"
          % (torch.__version__, args.reps))
    for task in tasks:
        features, target = load_csv(os.path.join(args.data_dir, task["data"]),
                                    task["target"])
        for name, dtype in DTYPES.items():
            x = torch.from_numpy(features).to(dtype)
            if task["loss"] == "softmax_ce":
                y = torch.from_numpy(target).long()
            else:
                y = torch.from_numpy(target).to(dtype)
            runs = [train_once(task, x, y, seed + 1)
                    for seed in range(args.reps)]
            key = "torch/%s/%s" % (name, task["name"])
            for i, figure in enumerate(("samples_per_s", "loss", "metric")):
                print("%s/%s %.6g %.6g %.6g"
                      % ((key, figure) + stats([r[i] for r in runs])))
            print("%s/epochs %d" % (key, task["epochs"]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
