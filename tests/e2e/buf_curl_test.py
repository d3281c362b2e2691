"""End to end: buf curl lists, and calls the server through reflection alone.

usage: buf_curl_test.py SLOPE_SERVER
"""

import json
import sys

from buf_curl import curl_args, find_buf
from harness import SKIP, ServerProcess, check, main, run


def test():
    buf = find_buf()
    if buf is None:
        return SKIP
    with ServerProcess(sys.argv[1]) as server:
        base = curl_args(buf, server.address)
        url = f"http://{server.address}"

        methods = run(base + ["--list-methods", url]).stdout.split()
        for method in ["slope.v1.CalculusService/Differentiate",
                       "slope.v1.TrainingService/WatchJob",
                       "slope.v1.InfoService/GetServerInfo",
                       "grpc.health.v1.Health/Check"]:
            check(method in methods, f"{method} not listed: {methods}")

        health = json.loads(run(base + ["-d", '{"service": ""}',
                                        url + "/grpc.health.v1.Health/Check"]
                                ).stdout)
        check(health == {"status": "SERVING"}, health)

        info = json.loads(run(base + [url + "/slope.v1.InfoService/"
                                      "GetServerInfo"]).stdout)
        check(info["limits"]["maxExpressionDepth"] == 256, info["limits"])
        names = [f["name"] for f in info["functions"]]
        check("sigmoid" in names and "atan2" in names, names)


if __name__ == "__main__":
    main(test)
