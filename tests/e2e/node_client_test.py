"""End to end: the Node.js example client against the real server.

usage: node_client_test.py SLOPE_SERVER CLIENT_DIR WORK_DIR [ARGS]

The client's package.json is installed with npm into WORK_DIR (a copy
outside the repository); without npm or its registry the test is skipped.
"""

import os
import shutil
import subprocess
import sys

from harness import SKIP, ServerProcess, check, main, run


def test():
    server_binary, client_dir, work_dir = sys.argv[1:4]
    extra = sys.argv[4:]
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        print("SKIP: node/npm are not installed")
        return SKIP
    os.makedirs(work_dir, exist_ok=True)
    for name in ("package.json", "slope_client.js"):
        shutil.copy(os.path.join(client_dir, name), work_dir)
    if not os.path.isdir(os.path.join(work_dir, "node_modules", "@grpc")):
        try:
            subprocess.run([npm, "install", "--no-audit", "--no-fund",
                            "--silent"], cwd=work_dir, check=True,
                           timeout=300, capture_output=True)
        except (subprocess.CalledProcessError,
                subprocess.TimeoutExpired) as error:
            print(f"SKIP: npm install failed (registry unreachable?): {error}")
            return SKIP
    proto_dir = os.path.join(client_dir, "..", "..", "..", "proto")
    env = dict(os.environ, SLOPE_PROTO_DIR=os.path.abspath(proto_dir))
    with ServerProcess(server_binary) as server:
        output = run([node, os.path.join(work_dir, "slope_client.js"),
                      server.address, *extra], env=env).stdout
        check("functions" in output, output)
        if "--info-only" not in extra:
            check("d/dx x^2 = 2*x = 6 at x = 3" in output, output)
            check("d/dx = 2, d/dy = 4" in output, output)
            check("INVALID_ARGUMENT" in output, output)
        print(output)


if __name__ == "__main__":
    main(test)
