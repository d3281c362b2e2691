#!/usr/bin/env python3
"""A small Slope client in Python with grpcio.

    ./generate.sh                # once: writes the stubs to ./gen
    python3 slope_client.py localhost:50051

It asks the server who it is, then differentiates,
takes a gradient and evaluates a batch of points (plain lists, no NumPy).
Every call that fails raises grpc.RpcError with the server's message, such as
"expression 1:5: unexpected '*'".
"""

import os
import sys

sys.path.insert(0, os.environ.get(
    "SLOPE_PYTHON_GEN", os.path.join(os.path.dirname(__file__), "gen")))

import grpc  # noqa: E402
from slope.v1 import calculus_pb2, calculus_pb2_grpc  # noqa: E402
from slope.v1 import info_pb2, info_pb2_grpc  # noqa: E402


def describe_server(channel):
    info = info_pb2_grpc.InfoServiceStub(channel).GetServerInfo(
        info_pb2.GetServerInfoRequest(), timeout=10)
    print(f"server {info.version}: {info.threads} threads, "
          f"{len(info.functions)} functions, features: "
          f"{', '.join(info.features)}")
    return info


def calculus_tour(channel):
    calculus = calculus_pb2_grpc.CalculusServiceStub(channel)

    d = calculus.Differentiate(calculus_pb2.DifferentiateRequest(
        expression="x^2", variable="x", point={"x": 3}), timeout=10)
    print(f"d/dx x^2 = {d.formula} = {d.value:g} at x = 3")

    g = calculus.Gradient(calculus_pb2.GradientRequest(
        expression="x^2 + y^2", point={"x": 1, "y": 2}), timeout=10)
    partials = ", ".join(f"d/d{v} = {g.gradient[v]:g}" for v in g.variables)
    print(f"gradient of x^2 + y^2 at (1, 2): {partials}")

    points = [[0.0, 0.0], [1.0, 2.0], [-1.5, 0.5]]
    batch = calculus.EvaluateBatch(calculus_pb2.EvaluateBatchRequest(
        expression="x*y + sin(x)", variables=["x", "y"],
        points=[c for p in points for c in p], gradient=True), timeout=10)
    for i, point in enumerate(points):
        grad = batch.gradients[2 * i:2 * i + 2]
        print(f"f{tuple(point)} = {batch.values[i]:.6g}, "
              f"grad = ({grad[0]:.6g}, {grad[1]:.6g})")

    try:
        calculus.Evaluate(calculus_pb2.EvaluateRequest(expression="x +* 2"),
                          timeout=10)
    except grpc.RpcError as error:
        print(f"a bad expression: {error.code().name}: {error.details()}")


def main():
    address = sys.argv[1] if len(sys.argv) > 1 else "localhost:50051"
    with grpc.insecure_channel(address) as channel:
        describe_server(channel)
        if "--info-only" not in sys.argv:
            calculus_tour(channel)


if __name__ == "__main__":
    main()
