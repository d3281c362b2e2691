#!/usr/bin/env python3
"""Watch a Slope training job from Python with grpcio.

    ./generate.sh                          # once: writes the stubs to ./gen
    python3 watch_job.py localhost:50051            # start a small job, watch it
    python3 watch_job.py localhost:50051 job-3f9a1c2b   # watch an existing job

WatchJob streams the job's numbered events: the retained history first, then
live ones, ending after the job's `finished` event. The client remembers the
last sequence number it saw, so if the connection drops it re-attaches with
`after_sequence` and misses nothing (a cursor older than the server's
retained history is OUT_OF_RANGE: then it starts over from what is kept).
Exit status: 0 when the job SUCCEEDED, 1 otherwise.
"""

import os
import sys
import time

sys.path.insert(0, os.environ.get(
    "SLOPE_PYTHON_GEN", os.path.join(os.path.dirname(__file__), "gen")))

import grpc  # noqa: E402
from slope.v1 import training_pb2, training_pb2_grpc  # noqa: E402


def start_demo_job(stub):
    """Queues a small MLP on the two-moons data set and returns its id."""
    spec = training_pb2.JobSpec(
        display_name="watch_job.py demo",
        model=training_pb2.ModelSpec(mlp=training_pb2.MlpModel(
            layer_sizes=[2, 16, 16, 1],
            activation=training_pb2.ACTIVATION_TANH)),
        loss=training_pb2.LOSS_BINARY_CROSS_ENTROPY,
        optimizer=training_pb2.OptimizerSpec(
            kind=training_pb2.OPTIMIZER_ADAM, learning_rate=0.01),
        data=training_pb2.DataSpec(generated=training_pb2.GeneratedData(
            kind=training_pb2.GENERATOR_MOONS, n=1000, noise=0.1)),
        epochs=20, batch_size=64, seed=1)
    job = stub.CreateJob(training_pb2.CreateJobRequest(spec=spec), timeout=10)
    print(f"created {job.id} ({training_pb2.JobState.Name(job.state)})")
    return job.id


def describe(event):
    """One line per event."""
    kind = event.WhichOneof("kind")
    gap = f" (skipped {event.skipped})" if event.skipped else ""
    if kind == "progress":
        p = event.progress
        metrics = " ".join(f"{k} {v:.4f}" for k, v in sorted(p.metrics.items()))
        return (f"#{event.sequence}{gap} epoch {p.epoch}/{p.total_epochs} "
                f"loss {p.loss:.5f} {metrics} "
                f"{p.samples_per_second:,.0f} samples/s")
    if kind == "state_change":
        change = event.state_change
        message = f": {change.message}" if change.message else ""
        return (f"#{event.sequence}{gap} "
                f"{training_pb2.JobState.Name(change.state)}{message}")
    return f"#{event.sequence}{gap} finished"


def watch(stub, job_id):
    """Follows the job to its end, re-attaching after dropped connections.
    Returns the final Job."""
    last_seen = 0
    for attempt in range(10):
        try:
            request = training_pb2.WatchJobRequest(
                job_id=job_id, after_sequence=last_seen)
            for event in stub.WatchJob(request):
                print(describe(event), flush=True)
                last_seen = event.sequence
                if event.HasField("finished"):
                    return event.finished
            # The stream ended without a finished event (the server shut
            # down): ask for the job as it is.
            return stub.GetJob(training_pb2.GetJobRequest(job_id=job_id),
                               timeout=10)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.OUT_OF_RANGE:
                print(f"history evicted ({error.details()}); from the start")
                last_seen = 0
            elif error.code() == grpc.StatusCode.UNAVAILABLE:
                print(f"connection lost; re-attaching after #{last_seen}")
                time.sleep(min(0.2 * 2 ** attempt, 5))
            else:
                raise
    raise RuntimeError("gave up re-attaching")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    channel = grpc.insecure_channel(sys.argv[1])
    stub = training_pb2_grpc.TrainingServiceStub(channel)
    try:
        job_id = sys.argv[2] if len(sys.argv) > 2 else start_demo_job(stub)
        job = watch(stub, job_id)
    except grpc.RpcError as error:
        print(f"{error.code().name}: {error.details()}", file=sys.stderr)
        return 1
    state = training_pb2.JobState.Name(job.state)
    result = job.result
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in sorted(result.metrics.items()))
    print(f"{job.id} {state}: final loss {result.final_loss:.5f}"
          f"{', ' + metrics if metrics else ''}, "
          f"{result.samples_per_second:,.0f} samples/s"
          f"{'; ' + job.message if job.message else ''}")
    return 0 if job.state == training_pb2.JOB_STATE_SUCCEEDED else 1


if __name__ == "__main__":
    sys.exit(main())
