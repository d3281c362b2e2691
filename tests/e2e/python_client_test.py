"""End to end: the Python example client against the real server.

usage: python_client_test.py SLOPE_SERVER GENERATE_SH CLIENT_PY OUT_DIR [ARGS]
"""

import os
import sys

from harness import ServerProcess, check, main, run


def test():
    server_binary, generate, client, out_dir = sys.argv[1:5]
    extra = sys.argv[5:]
    run(["bash", generate, out_dir])
    env = dict(os.environ, SLOPE_PYTHON_GEN=out_dir)
    with ServerProcess(server_binary) as server:
        output = run([sys.executable, client, server.address, *extra],
                     env=env).stdout
        check("functions" in output, output)
        if "--info-only" not in extra:
            check("d/dx x^2 = 2*x = 6 at x = 3" in output, output)
            check("d/dx = 2, d/dy = 4" in output, output)
            check("INVALID_ARGUMENT" in output, output)
        print(output)


if __name__ == "__main__":
    main(test)
