#!/usr/bin/env python3
"""Reads ThreadSanitizer logs and fails on every report that involves Slope.

scripts/tsan.sh runs the tests with TSan writing its reports to files instead
of failing the test. gRPC's libraries come from Debian uninstrumented: they
order their own callback operations through atomics and lock-free queues TSan
cannot see, so accesses made by gRPC's code (its libraries, or the templates
in its headers that run on its threads) look unsynchronised with each other.
Those reports are about gRPC's memory, not ours, and no suppression can tell
them apart from ours: suppressions match any frame of a stack, and every
reactor callback of ours runs beneath gRPC frames.

The same blind spot hides one hand-off of ours: a handler allocates its
reactor and returns it to gRPC, and gRPC calls the reactor back on another
of its threads. When gRPC passes it over without an Abseil lock on the way
(sometimes it does, sometimes not), TSan sees the reactor's first use there
racing with its allocation. Likewise a reactor's first write, started in
its constructor before gRPC has bound it: gRPC serialises that message
when it binds the reactor, on its own thread, and our next use of the
message (after OnWriteDone) is ordered after that only inside gRPC. And
OnCancel: libgrpc++ runs it from inside the library and calls OnDone
(which deletes the reactor) only after it returns, an order TSan cannot
see either.

So each access in a report is attributed to the first frame that is not the
sanitizer runtime, the C++ standard library or Abseil (library code that runs
on behalf of its caller). A report is dismissed only when every access in it
is attributed to gRPC (or, where TSan lost the older access's stack, when the
access it kept is gRPC's on memory gRPC allocated), or when the older access
is the allocation itself and the newer one runs inside a gRPC callback (the
hand-off above: had our code published the pointer without
synchronisation, TSan would report the race on the pointer, and that report
counts), or when the older access is gRPC serialising a write it held
back until it bound the reactor (later writes are serialised inside
StartWrite, under our lock, so a message reused too early still shows
there), or when a reactor is destroyed after its OnCancel (the older
access is in OnCancel, the newer one frees or destroys). Any other race
between our code and gRPC's counts, as does every
report of another kind (lock inversion, use after free, leaks ...).

    tsan_triage.py LOG_DIR     exit 1 and print the reports that count
"""
import pathlib
import re
import sys

REPORT = re.compile(r"^WARNING: ThreadSanitizer: (?P<kind>.*?) \(pid=\d+\)$"
                    r"(?P<body>.*?)^SUMMARY: ThreadSanitizer:.*?$",
                    re.M | re.S)
# The header of each access's stack: "Write of size 8 at ... by thread T3:",
# "Previous atomic read of size 4 ...", "Atomic write ...".
ACCESS = re.compile(r"^  (Previous )?(atomic )?(Atomic )?(read|write|Read|Write)"
                    r" of size", re.M)
FRAME = re.compile(r"^\s+#\d+ (?P<func>.*?) (?P<file>\S+)(?: \((?P<module>[^)]*)\))?$")

# Code that runs on behalf of its caller: look further down the stack.
PASS_THROUGH = (
    "/src/libsanitizer/",   # TSan's own interceptors
    "/usr/include/c++/",    # libstdc++ headers
    "libstdc++.so",
    "/absl/",               # Abseil, headers and the instrumented build
    "libabsl_",
    "/google/protobuf/",
    "libprotobuf",
)
GRPC = ("/usr/include/grpcpp/", "/usr/include/grpc/", "libgrpc", "libgpr",
        "libaddress_sorting", "libupb")


def owner(stack_lines):
    """'grpc', 'slope' (anything else) or 'unknown' for one access."""
    for line in stack_lines:
        m = FRAME.match(line)
        if not m:
            continue
        where = f"{m['file']} {m['module'] or ''}"
        if any(p in where for p in PASS_THROUGH):
            continue
        if any(p in where for p in GRPC):
            return "grpc"
        if m["file"] == "<null>" and not m["module"]:
            continue  # an unsymbolised frame says nothing; keep looking
        return "slope"
    return "unknown"


def accesses(body):
    """The frames of each memory access a race report shows, the newer
    access first."""
    starts = [m.start() for m in ACCESS.finditer(body)]
    for i, start in enumerate(starts):
        block = body[start:starts[i + 1] if i + 1 < len(starts) else None]
        lines = []
        for line in block.splitlines()[1:]:
            if not line.startswith("    "):
                break  # the end of this stack: location, mutexes, threads
            lines.append(line)
        yield lines


ALLOCATORS = re.compile(r"^\s+#0 (operator new|malloc|calloc|realloc|"
                        r"posix_memalign|aligned_alloc)\b")


def is_allocation(stack_lines):
    """Whether an access is TSan's record of a heap block being allocated."""
    return bool(stack_lines) and bool(ALLOCATORS.match(stack_lines[0]))


def under_grpc(stack_lines):
    """Whether gRPC's code is anywhere below an access: a callback of ours
    that gRPC called on one of its threads."""
    return any(p in line for line in stack_lines for p in GRPC)


def allocated_by_grpc(body):
    """Whether the raced-on heap block was allocated by gRPC's code."""
    m = re.search(r"^  Location is heap block .*?:\n((?:    .*\n?)+)", body, re.M)
    return bool(m) and owner(m.group(1).splitlines()) == "grpc"


def in_bind_time_write(stack_lines):
    """Whether an access is gRPC sending the write a reactor started before
    gRPC bound it (ServerWriteReactor::InternalBindWriter)."""
    return any("InternalBindWriter" in line for line in stack_lines)


DESTRUCTION = re.compile(r"^\s+#0 (operator delete|free|__tsan_mutex_destroy)\b")


def destroys(stack_lines):
    """Whether an access is memory being freed or a mutex destroyed."""
    return bool(stack_lines) and bool(DESTRUCTION.match(stack_lines[0]))


def in_on_cancel(stack_lines):
    """Whether an access happens inside a reactor's OnCancel."""
    return any("::OnCancel()" in line for line in stack_lines)


def counts(kind, body):
    if kind != "data race":
        return True
    stacks = list(accesses(body))
    owners = {owner(stack) for stack in stacks}
    if owners == {"grpc"}:
        return False
    # An object's first use inside a gRPC callback, racing only with its
    # allocation: the hand-off happened inside gRPC.
    if (len(stacks) == 2 and is_allocation(stacks[1]) and
            under_grpc(stacks[0])):
        return False
    # The first write's message, serialised by gRPC as it bound the
    # reactor, then reused by us once the write was done.
    if len(stacks) == 2 and in_bind_time_write(stacks[1]):
        return False
    # A reactor freed after its OnCancel returned (gRPC calls OnDone after).
    if len(stacks) == 2 and destroys(stacks[0]) and in_on_cancel(stacks[1]):
        return False
    # TSan keeps a bounded history, so the older access's stack is sometimes
    # lost. When what remains is gRPC's code on memory gRPC allocated, the
    # race is inside gRPC.
    if owners == {"grpc", "unknown"} and allocated_by_grpc(body):
        return False
    return True


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    total = dismissed = 0
    counted = []
    for log in sorted(pathlib.Path(sys.argv[1]).glob("*")):
        for m in REPORT.finditer(log.read_text(errors="replace")):
            total += 1
            if counts(m["kind"], m["body"]):
                counted.append(m.group(0))
            else:
                dismissed += 1
    for report in counted:
        print(report, end="\n\n")
    print(f"tsan_triage: {total} reports, {dismissed} inside gRPC or its "
          f"hand-offs (dismissed), {len(counted)} involving Slope")
    return 1 if counted else 0


if __name__ == "__main__":
    sys.exit(main())
