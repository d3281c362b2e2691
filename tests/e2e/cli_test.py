"""End to end: the real slope-server binary driven by the slope CLI.

usage: cli_test.py SLOPE_SERVER SLOPE
"""

import json
import signal
import socket
import sys

from harness import ServerProcess, check, main, run


def test():
    server_binary, slope = sys.argv[1], sys.argv[2]

    # Bad flags and busy ports stop the server with a non-zero exit.
    bad = run([server_binary, "--threads=many"], expect_code=1)
    check("threads" in bad.stderr, "bad flag message: " + bad.stderr)

    with ServerProcess(server_binary, "--threads=2") as server:
        cli = [slope, "--server", server.address]

        info = run(cli + ["info"]).stdout
        check("Slope server" in info and "sin(u)" in info, info)

        info_json = json.loads(run(cli + ["--json", "info"]).stdout)
        check(info_json["threads"] == 2, info_json)
        check(info_json["limits"]["maxExpressionDepth"] == 256,
              "JSON names are lowerCamelCase: " + str(info_json["limits"]))
        check(len(info_json["functions"]) == 34, "functions listed")

        check(run(cli + ["health"]).stdout.strip() == "SERVING", "health")
        health_json = json.loads(run(cli + ["--json", "health"]).stdout)
        check(health_json == {"status": "SERVING"}, health_json)
        unknown = run(cli + ["health", "--service", "no.Such"], expect_code=1)
        check("unknown service 'no.Such'" in unknown.stderr, unknown.stderr)

        # A busy port: a second server on the same address must not start.
        busy = run([server_binary, "--address=" + server.address],
                   expect_code=1)
        check("already in use" in busy.stderr, busy.stderr)

        # SIGTERM drains and exits 0, saying so in the log.
        check(server.terminate(signal.SIGTERM) == 0, "exit code after SIGTERM")
        check("received SIGTERM" in server.log(), server.log())
        check("stopped" in server.log(), server.log())

    # Nothing listens now: the CLI says so and exits 2.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    down = run([slope, "--server", f"127.0.0.1:{free_port}", "--timeout", "3",
                "info"], expect_code=2)
    check("cannot reach" in down.stderr or "no answer" in down.stderr,
          down.stderr)

    # SIGINT drains the same way.
    with ServerProcess(server_binary) as server:
        check(server.terminate(signal.SIGINT) == 0, "exit code after SIGINT")


if __name__ == "__main__":
    main(test)
