"""Starts the real slope-server binary for end-to-end tests.

The server is started on 127.0.0.1 port 0; the address it bound is read from
its 'listening on' log line. Only the Python standard library is used here so
that every end-to-end test can import it.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time

SKIP = 77  # CTest's SKIP_RETURN_CODE for tests whose tool is unavailable


class ServerProcess:
    """A running slope-server; use as a context manager."""

    def __init__(self, server_binary, *flags, timeout=30):
        self.binary = server_binary
        self.flags = list(flags)
        self.timeout = timeout
        self.process = None
        self.address = None
        self.log_lines = []
        self._listening = threading.Event()

    def __enter__(self):
        self.process = subprocess.Popen(
            [self.binary, "--address=127.0.0.1:0", *self.flags],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read_log, daemon=True).start()
        if not self._listening.wait(self.timeout):
            self.process.kill()
            raise RuntimeError("slope-server did not start:\n" + self.log())
        return self

    def _read_log(self):
        for line in self.process.stderr:
            self.log_lines.append(line.rstrip("\n"))
            match = re.search(r"listening on (\S+)", line)
            if match:
                self.address = match.group(1)
                self._listening.set()

    def log(self):
        return "\n".join(self.log_lines)

    def terminate(self, sig=signal.SIGTERM, timeout=20):
        """Sends `sig` and returns the exit code."""
        self.process.send_signal(sig)
        return self.process.wait(timeout)

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def run(args, expect_code=0, input_text=None, timeout=60, env=None):
    """Runs a command and checks its exit code; returns its stdout."""
    result = subprocess.run(args, input=input_text, capture_output=True,
                            text=True, timeout=timeout, env=env)
    if result.returncode != expect_code:
        raise AssertionError(
            f"{' '.join(args)} exited {result.returncode}, "
            f"expected {expect_code}\nstdout:\n{result.stdout}\n"
            f"stderr:\n{result.stderr}")
    return result


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def wait_until(predicate, timeout=10, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def main(test):
    """Runs test() and turns failures into a non-zero exit with a message."""
    try:
        code = test()
    except AssertionError as error:
        print(f"FAIL: {error}", file=sys.stderr)
        sys.exit(1)
    sys.exit(code or 0)
