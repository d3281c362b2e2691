"""Finds or installs `buf` (for `buf curl`) in a cache outside the repo.

`buf` comes from the npm registry (@bufbuild/buf). It is installed once into
$SLOPE_E2E_CACHE (default ~/.cache/slope-e2e) and reused; when npm or the
registry is unavailable the caller skips its test with a message.
"""

import os
import shutil
import subprocess


def find_buf():
    """Returns the path of a buf binary, or None with a reason printed."""
    found = shutil.which("buf")
    if found:
        return found
    cache = os.environ.get(
        "SLOPE_E2E_CACHE", os.path.join(os.path.expanduser("~"), ".cache",
                                        "slope-e2e"))
    prefix = os.path.join(cache, "buf")
    binary = os.path.join(prefix, "node_modules", ".bin", "buf")
    if os.path.exists(binary):
        return binary
    npm = shutil.which("npm")
    if npm is None:
        print("SKIP: npm is not installed, so buf curl cannot be fetched")
        return None
    os.makedirs(prefix, exist_ok=True)
    try:
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent",
                        "--prefix", prefix, "@bufbuild/buf"],
                       check=True, timeout=300, capture_output=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"SKIP: npm could not install @bufbuild/buf: {e}")
        return None
    return binary if os.path.exists(binary) else None


def curl_args(buf, address):
    return [buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge"]
