#!/usr/bin/env bash
# Generates the Python modules for the Slope API from proto/ into
# ${1:-./gen}: message classes (*_pb2.py) and gRPC stubs (*_pb2_grpc.py).
# Needs protoc and grpc_python_plugin (Debian: protobuf-compiler,
# protobuf-compiler-grpc) and, to run, python3-grpcio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
proto_dir=$(cd "$here/../../../proto" && pwd)
out=${1:-$here/gen}
mkdir -p "$out"
plugin=$(command -v grpc_python_plugin)
cd "$proto_dir"
protoc -I . --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$plugin" \
  slope/v1/*.proto google/rpc/*.proto
