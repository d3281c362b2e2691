#!/usr/bin/env python3
"""SymPy reference for the symbolic benchmark: every partial derivative of
E1-E5 as a simplified formula, text in and text out, timed.

  sympy_ref.py [--reps N]

For each expression: sympify the text (^ written as **), then for each
variable simplify(diff(f, v)) and print it with str(); the time covers all
of that, like engine_bench's Parse + Differentiate + ToText. Prints
"sympy/<expr> median min max" in seconds (see bench_util.h, Figures).
"""
import argparse
import os
import signal
import sys
import time

import sympy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_points  # noqa: E402


def partials(text, variables):
    f = sympy.sympify(text.replace("^", "**"))
    out = []
    for v in variables:
        out.append(str(sympy.simplify(sympy.diff(f, sympy.Symbol(v)))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--show", action="store_true", help="print the formulas")
    ap.add_argument("--timeout", type=int, default=60,
                    help="seconds per expression; SymPy's simplify can run "
                         "for hours on E4, so a timeout is reported as a "
                         "lower bound")
    args = ap.parse_args()

    def on_alarm(signum, frame):
        raise TimeoutError()

    signal.signal(signal.SIGALRM, on_alarm)
    print("# sympy %s" % sympy.__version__)
    for name, text, variables, _ in make_points.EXPRESSIONS:
        samples = []
        timed_out = False
        for _ in range(args.reps):
            sympy.core.cache.clear_cache()  # no help from the previous run
            t0 = time.perf_counter()
            signal.alarm(args.timeout)
            try:
                formulas = partials(text, variables)
            except TimeoutError:
                timed_out = True
                break
            finally:
                signal.alarm(0)
            samples.append(time.perf_counter() - t0)
        if timed_out:
            # The figure is a lower bound: SymPy had not finished.
            print("# sympy/%s timed out after %d s (a lower bound)"
                  % (name, args.timeout))
            print("sympy/%s %d %d %d" % (name, args.timeout, args.timeout,
                                         args.timeout))
            sys.stdout.flush()
            continue
        samples.sort()
        n = len(samples)
        med = samples[n // 2] if n % 2 else (samples[n // 2 - 1] + samples[n // 2]) / 2
        print("sympy/%s %.6g %.6g %.6g" % (name, med, samples[0], samples[-1]))
        if args.show:
            for v, f in zip(variables, formulas):
                print("# d/d%s %s = %s" % (v, name, f))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
