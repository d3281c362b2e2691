"""End to end: every `buf curl` example in README.md, run against a real
server, must print what the README says it prints.

An example is a ```sh block whose command starts with `buf curl`, followed
directly by a ```json block with the expected response. Responses are
compared as parsed JSON, so formatting does not matter but every value does.

usage: readme_examples_test.py SLOPE_SERVER README
"""

import json
import re
import shlex
import sys

from buf_curl import find_buf
from harness import SKIP, ServerProcess, check, main, run

BLOCK = re.compile(r"```sh\n(buf curl .*?)```\n```json\n(.*?)```", re.S)


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


def test():
    server_binary, readme = sys.argv[1], sys.argv[2]
    buf = find_buf()
    if buf is None:
        return SKIP
    with open(readme, encoding="utf-8") as f:
        examples = BLOCK.findall(f.read())
    check(len(examples) >= 8, f"expected the README's examples, found {len(examples)}")
    with ServerProcess(server_binary) as server:
        for command, expected in examples:
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
