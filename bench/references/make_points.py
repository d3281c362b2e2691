#!/usr/bin/env python3
"""Writes the benchmark points once, for every implementation to read.

  make_points.py OUT_DIR [--n N] [--seed S]

OUT_DIR/e1.f64 .. e5.f64: N points each, raw little-endian float64,
row-major, columns in the variable order of expressions.h / EXPRESSIONS
below, drawn uniformly from each variable's box with a seeded generator.
"""
import argparse
import os

import numpy as np

# name, variables (column order), box per variable; keep in step with
# bench/references/expressions.h.
EXPRESSIONS = [
    ("E1", "x^2 + y^2", ["x", "y"], [(-2, 2)] * 2),
    ("E2", "sin(x)*exp(y) + log(1 + x^2)", ["x", "y"], [(-2, 2)] * 2),
    ("E3", "(1 - x)^2 + 100*(y - x^2)^2", ["x", "y"], [(-2, 2)] * 2),
    ("E4",
     "(v1*tanh(0.8*x1 - 0.3*x2 + 0.5*x3 + 0.1*x4 + 0.2) + "
     "v2*tanh(-0.4*x1 + 0.9*x2 - 0.2*x3 + 0.6*x4 - 0.1) + "
     "v3*tanh(0.3*x1 + 0.7*x2 + 0.4*x3 - 0.5*x4 + 0.05) + "
     "v4*tanh(-0.6*x1 + 0.2*x2 + 0.8*x3 + 0.3*x4 - 0.3) + "
     "v5*tanh(0.5*x1 - 0.8*x2 - 0.1*x3 + 0.4*x4 + 0.15) - t)^2",
     ["t", "v1", "v2", "v3", "v4", "v5", "x1", "x2", "x3", "x4"],
     [(-1, 1)] * 10),
    ("E5",
     "-(t*log(1/(1 + exp(-(w1*x1 + w2*x2 + b)))) + "
     "(1 - t)*log(1 - 1/(1 + exp(-(w1*x1 + w2*x2 + b)))))",
     ["b", "t", "w1", "w2", "x1", "x2"],
     [(-2, 2), (0, 1), (-2, 2), (-2, 2), (-2, 2), (-2, 2)]),
]


def points_path(out_dir, index):
    return os.path.join(out_dir, "e%d.f64" % (index + 1))


def load(out_dir, index):
    """The points of expression `index` as an (N, d) float64 array."""
    d = len(EXPRESSIONS[index][2])
    return np.fromfile(points_path(out_dir, index), dtype="<f8").reshape(-1, d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20240607)
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    for i, (_, _, variables, box) in enumerate(EXPRESSIONS):
        lo = np.array([b[0] for b in box], dtype=np.float64)
        hi = np.array([b[1] for b in box], dtype=np.float64)
        pts = lo + (hi - lo) * rng.random((args.n, len(variables)))
        pts.astype("<f8").tofile(points_path(args.out_dir, i))
    print("make_points: %d points per expression in %s (seed %d)"
          % (args.n, args.out_dir, args.seed))


if __name__ == "__main__":
    main()
