#!/usr/bin/env python3
"""PyTorch reference for the engine benchmark: E1-E5 value + full gradient
on whole float64 tensors (eager autograd), 1 and 2 threads, and Hessians of
E2 and E4.

  torch_ref.py POINTS_DIR [--reps N] [--hessian-points N] [--n N]

Prints one figure per line, "KEY median min max" in seconds, which
engine_bench reads (bench_util.h, Figures):
  torch/<threads>/<expr>/eval_grad   value + every partial, all points
  torch/<threads>/<expr>/eval        value only (torch.no_grad)
  torch/1/<expr>/hessian             value, gradient and Hessian (E2, E4)
  torch/checksum/<expr> <sum of values> <sum of each partial>
  torch/hessian_points <count>

What a user would write: each variable a (N,) column with
requires_grad=True, the expression on whole tensors, f.sum().backward().
Hessian: torch 1.13 has no batched vmap-hessian in the core package, and
torch.autograd.functional.hessian on the whole batch would build an
(N*d)^2 matrix; since points are independent, the per-point Hessians are
d extra backward passes over the whole batch: grad with create_graph=True,
then for each variable j, autograd.grad(g_j.sum(), columns) gives row j of
every point's Hessian at once (double backward).
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_points  # noqa: E402

A = [[0.8, -0.3, 0.5, 0.1], [-0.4, 0.9, -0.2, 0.6], [0.3, 0.7, 0.4, -0.5],
     [-0.6, 0.2, 0.8, 0.3], [0.5, -0.8, -0.1, 0.4]]
C = [0.2, -0.1, 0.05, -0.3, 0.15]


def e1(c):
    x, y = c
    return x ** 2 + y ** 2


def e2(c):
    x, y = c
    return torch.sin(x) * torch.exp(y) + torch.log(1 + x ** 2)


def e3(c):
    x, y = c
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def e4(c):
    t, v = c[0], c[1:6]
    x = c[6:10]
    r = -t
    for k in range(5):
        z = A[k][0] * x[0] + A[k][1] * x[1] + A[k][2] * x[2] + A[k][3] * x[3] + C[k]
        r = r + v[k] * torch.tanh(z)
    return r ** 2


def e5(c):
    b, t, w1, w2, x1, x2 = c
    s = 1 / (1 + torch.exp(-(w1 * x1 + w2 * x2 + b)))
    return -(t * torch.log(s) + (1 - t) * torch.log(1 - s))


FUNCS = [e1, e2, e3, e4, e5]


def stats(samples):
    """Median, min and max."""
    return statistics.median(samples), min(samples), max(samples)


def timed(reps, fn):
    fn()  # warm-up
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return stats(out)


def columns(points):
    return [points[:, j].clone().requires_grad_(True)
            for j in range(points.shape[1])]


def eval_grad(f, points):
    cols = columns(points)
    val = f(cols)
    val.sum().backward()
    return val.detach(), [c.grad for c in cols]


def eval_only(f, points):
    with torch.no_grad():
        cols = [points[:, j] for j in range(points.shape[1])]
        return f(cols)


def hessian(f, points):
    cols = columns(points)
    val = f(cols)
    grads = torch.autograd.grad(val.sum(), cols, create_graph=True)
    rows = []
    for j, g in enumerate(grads):
        rows.append(torch.autograd.grad(g.sum(), cols, retain_graph=True,
                                        allow_unused=True))
    return val.detach(), [g.detach() for g in grads], rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("points_dir")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--hessian-points", type=int, default=100000)
    ap.add_argument("--n", type=int, default=0)
    args = ap.parse_args()
    print("# torch %s, float64, eager autograd" % torch.__version__)
    print("torch/hessian_points %d" % args.hessian_points)
    for i, (name, _, _, _) in enumerate(make_points.EXPRESSIONS):
        pts = torch.from_numpy(make_points.load(args.points_dir, i))
        if args.n:
            pts = pts[:args.n].contiguous()
        f = FUNCS[i]
        torch.set_num_threads(1)
        val, grads = eval_grad(f, pts)
        print("torch/checksum/%s %s" % (name, " ".join(
            repr(float(v)) for v in [val.sum()] + [g.sum() for g in grads])))
        for threads in (1, 2):
            torch.set_num_threads(threads)
            print("torch/%d/%s/eval_grad %.6g %.6g %.6g"
                  % ((threads, name) + timed(args.reps, lambda: eval_grad(f, pts))))
            print("torch/%d/%s/eval %.6g %.6g %.6g"
                  % ((threads, name) + timed(args.reps, lambda: eval_only(f, pts))))
            sys.stdout.flush()
        if name in ("E2", "E4"):
            torch.set_num_threads(1)
            hp = pts[:args.hessian_points].contiguous()
            print("torch/1/%s/hessian %.6g %.6g %.6g"
                  % ((name,) + timed(args.reps, lambda: hessian(f, hp))))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
