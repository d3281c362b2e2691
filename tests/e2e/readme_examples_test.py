"""End to end: every `buf curl` example in README.md, run against a real
server, must print what the README says it prints.

An example is a ```sh block whose command starts with `buf curl`, followed
directly by a ```json block with the expected response. Responses are
compared as parsed JSON, so formatting does not matter but every value does.
The block's last line is the same call with grpcurl, as a comment: grpcurl
is not packaged for Debian, so it cannot run here, but it must send the same
request (compared as parsed JSON) to the same method.

usage: readme_examples_test.py SLOPE_SERVER README
"""

import json
import re
import shlex
import sys

from buf_curl import find_buf
from harness import SKIP, ServerProcess, check, main, run

BLOCK = re.compile(r"```sh\n(buf curl .*?)```\n```json\n(.*?)```", re.S)
GRPCURL = re.compile(r"^# (grpcurl .*)$", re.M)


def parse_json_stream(text):
    """Parses one or more concatenated JSON documents (streams print several)."""
    decoder = json.JSONDecoder()
    documents, index = [], 0
    text = text.strip()
    while index < len(text):
        document, end = decoder.raw_decode(text, index)
        documents.append(document)
        index = end
        while index < len(text) and text[index].isspace():
            index += 1
    return documents


def check_grpcurl_twin(block):
    """The grpcurl comment asks what the buf curl command above it asks."""
    twin = GRPCURL.search(block)
    check(twin is not None, f"README example has no grpcurl line:\n{block}")
    buf_args = shlex.split(GRPCURL.sub("", block).replace("\\\n", " "))
    grpcurl_args = shlex.split(twin.group(1))
    check(grpcurl_args[:2] == ["grpcurl", "-plaintext"]
          and grpcurl_args[2] == "-d" and len(grpcurl_args) == 6
          and grpcurl_args[4] == "localhost:50051",
          f"unexpected grpcurl form: {twin.group(1)}")
    buf_method = buf_args[-1].split("localhost:50051/", 1)[1]
    check(grpcurl_args[5] == buf_method,
          f"grpcurl calls {grpcurl_args[5]}, buf curl calls {buf_method}")
    buf_data = buf_args[buf_args.index("-d") + 1]
    check(parse_json_stream(grpcurl_args[3]) == parse_json_stream(buf_data),
          f"grpcurl sends {grpcurl_args[3]}, buf curl sends {buf_data}")


def test():
    server_binary, readme = sys.argv[1], sys.argv[2]
    buf = find_buf()
    if buf is None:
        return SKIP
    with open(readme, encoding="utf-8") as f:
        examples = BLOCK.findall(f.read())
    check(len(examples) >= 8, f"expected the README's examples, found {len(examples)}")
    for block, _ in examples:
        check_grpcurl_twin(block)
    with ServerProcess(server_binary) as server:
        for block, expected in examples:
            command = GRPCURL.sub("", block)
            args = shlex.split(command.replace("\\\n", " "))
            args[0] = buf
            args = [a.replace("http://localhost:50051", f"http://{server.address}")
                    for a in args]
            actual = parse_json_stream(run(args).stdout)
            check(actual == parse_json_stream(expected),
                  f"README example gave a different answer:\n{command}\n"
                  f"expected: {expected}\nactual: {json.dumps(actual, indent=2)}")
        print(f"{len(examples)} README examples match")


if __name__ == "__main__":
    main(test)
