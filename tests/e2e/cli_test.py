"""End to end: the real slope-server binary driven by the slope CLI.

usage: cli_test.py SLOPE_SERVER SLOPE
"""

import json
import re
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

        # The calculus commands.
        check(run(cli + ["eval", "sin(x)*exp(y) + x^2", "x=1", "y=2"]
                  ).stdout.strip() == "7.217676312367968", "eval")
        diff = run(cli + ["diff", "x^2", "--at", "x=3", "--limit-table",
                          "--explain", "--latex"]).stdout
        check("d/dx x^2 = 2*x" in diff and "d/dx f = 6" in diff, diff)
        check("LaTeX: 2 x" in diff and "[power]" in diff, diff)
        check("(f(x+h)-f(x))/h" in diff and "1e-08" in diff, diff)
        grad = run(cli + ["grad", "x^2 + y^2", "--at", "x=1,y=2",
                          "--formulas"]).stdout
        check(re.search(r"d/dx\s+2\s+2\*x", grad) and
              re.search(r"d/dy\s+4\s+2\*y", grad), grad)
        grad_json = json.loads(run(cli + ["--json", "grad", "x^2 + y^2",
                                          "--at", "x=1,y=2"]).stdout)
        check(grad_json["gradient"] == {"x": 2, "y": 4}, grad_json)
        hessian = run(cli + ["hessian", "x^2*y", "--at", "x=1,y=2"]).stdout
        check("gradient (x, y) = (4, 1)" in hessian, hessian)
        jacobian = run(cli + ["jacobian", "x*y", "x+y", "--at", "x=1,y=2"]).stdout
        check("x*y = 2" in jacobian and "x+y = 3" in jacobian, jacobian)
        batch = run(cli + ["batch", "x*y", "--vars", "x,y", "--gradient"],
                    input_text="x,y\n1,2\n3,4\n").stdout
        check(batch.splitlines() == ["x,y,f,df/dx,df/dy", "1,2,2,2,1",
                                     "3,4,12,4,3"], batch)
        big = "\n".join(f"{i},{i % 7}" for i in range(30000)) + "\n"
        rows = run(cli + ["batch", "x+y", "--vars", "x,y", "--chunk", "4096"],
                   input_text=big).stdout.splitlines()
        check(len(rows) == 30001 and rows[-1] == "29999,4,30003", rows[-1])

        # Bad input: exit 1 with the position under the expression.
        bad = run(cli + ["eval", "x +* 2", "x=1"], expect_code=1)
        check("expression 1:4: unexpected '*'" in bad.stderr and
              "\n     ^" in bad.stderr, bad.stderr)
        missing = run(cli + ["eval", "x*y", "x=1"], expect_code=1)
        check("no value for 'y'" in missing.stderr, missing.stderr)
        bad_point = run(cli + ["eval", "x", "x=abc"], expect_code=1)
        check("not a number" in bad_point.stderr, bad_point.stderr)
        bad_csv = run(cli + ["batch", "x", "--vars", "x"],
                      input_text="1\n2\nzz\n", expect_code=1)
        check("line 3" in bad_csv.stderr, bad_csv.stderr)

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
