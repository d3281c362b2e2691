"""End to end: training jobs on the real slope-server, driven by `slope train`
and friends, and watched by the Python example client.

usage: train_test.py SLOPE_SERVER SLOPE GENERATE_SH WATCH_JOB_PY OUT_DIR
                     [GRPC_PYTHON]

GRPC_PYTHON is a python3 with grpcio; without it the Python client part is
skipped (the rest still runs).
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile

from harness import ServerProcess, check, main, run

MOONS = "moons:n=400,noise=0.1"


def final_accuracy(output):
    match = re.search(r"accuracy (\d\.\d+)", output.split("SUCCEEDED")[-1])
    check(match is not None, "no final accuracy in:\n" + output)
    return float(match.group(1))


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test():
    server_binary, slope, generate, watch_job, out_dir = sys.argv[1:6]
    grpc_python = sys.argv[6] if len(sys.argv) > 6 else ""

    with ServerProcess(server_binary, "--max_running_jobs=3") as server:
        cli = [slope, "--server", server.address]

        # Logistic regression on the moons: progress lines (stdout is a
        # pipe, so plain lines), the loss curve, the final metrics.
        out = run(cli + ["train", "--model", "logistic", "--data", MOONS,
                         "--epochs", "15", "--lr", "0.1", "--seed", "1"]).stdout
        check("epoch 15/15" in out, out)
        check("samples/s" in out and "ETA" in out, out)
        check("+----" in out and "loss" in out, "a plot:\n" + out)
        check(final_accuracy(out) > 0.8, out)

        # The MLP of the issue, smaller: it separates the moons.
        out = run(cli + ["train", "--model", "mlp:2-16-16-1", "--activation",
                         "tanh", "--loss", "bce", "--optimizer", "adam",
                         "--lr", "0.01", "--data", "moons:n=1000,noise=0.1",
                         "--epochs", "30", "--batch-size", "64", "--seed",
                         "1"]).stdout
        check(final_accuracy(out) > 0.95, out)

        # --json: one event per line, ending with the final job.
        out = run(cli + ["--json", "train", "--model", "logistic", "--data",
                         MOONS, "--epochs", "5", "--seed", "2"]).stdout
        lines = json_lines(out)
        check(len(lines) >= 8, out)
        check(all("sequence" in e for e in lines[:-1]), out)
        check([e["sequence"] for e in lines[:-1]] ==
              list(range(1, len(lines))), "numbered without gaps: " + out)
        check("progress" in lines[2] or "progress" in lines[3], out)
        final = lines[-1]
        check(final["state"] == "JOB_STATE_SUCCEEDED", final)
        check(final["result"]["metrics"]["accuracy"] > 0.7, final)
        logistic_id = final["id"]

        # The learning-rate sweep: three jobs side by side, one plot, three
        # curves with a legend.
        out = run(cli + ["train", "--model", "logistic", "--data", MOONS,
                         "--epochs", "10", "--lr", "0.001,0.01,0.1"]).stdout
        check("* lr=0.001" in out and "+ lr=0.01" in out and "o lr=0.1" in out,
              "legend:\n" + out)
        check("+----" in out, "a plot:\n" + out)
        check(len(re.findall(r"job-[0-9a-f]+ +SUCCEEDED", out)) == 3, out)

        # slope jobs lists them all, newest first.
        listing = run(cli + ["jobs"]).stdout
        check(listing.count("SUCCEEDED") == 6, listing)
        check(logistic_id in listing, listing)
        jobs = json.loads(run(cli + ["--json", "jobs", "--state",
                                     "succeeded"]).stdout)["jobs"]
        check(len(jobs) == 6, jobs)
        check({j["displayName"] for j in jobs[:3]} ==
              {"lr=0.001", "lr=0.01", "lr=0.1"}, jobs[:3])

        # slope watch replays a finished job's history.
        out = run(cli + ["watch", logistic_id]).stdout
        check("epoch 5/5" in out and "SUCCEEDED" in out, out)
        out = run(cli + ["--json", "watch", logistic_id, "--after", "3"]).stdout
        check(json_lines(out)[0]["sequence"] == 4, out)

        # Predict and model.
        out = run(cli + ["predict", logistic_id, "--inputs", "x1=0,x2=0.5",
                         "--inputs", "x1=1,x2=-0.5"]).stdout
        check("class" in out and "x1=0,x2=0.5" in out, out)
        prediction = json.loads(run(cli + ["--json", "predict", logistic_id,
                                           "--inputs", "x1=1,x2=-0.5"]).stdout)
        check(prediction["rows"] == 1 and len(prediction["classes"]) == 1,
              prediction)
        out = run(cli + ["model", logistic_id]).stdout
        check("weight" in out and "bias" in out, out)

        # A CSV upload: y = 2x + 1, fitted by linear regression.
        with tempfile.NamedTemporaryFile("w", suffix=".csv",
                                         delete=False) as f:
            f.write("x,y\n")
            for i in range(50):
                x = i / 25 - 1
                f.write(f"{x},{2 * x + 1}\n")
            csv_path = f.name
        out = run(cli + ["train", "--model", "linear", "--data", csv_path,
                         "--target", "y", "--epochs", "100", "--lr", "0.1",
                         "--batch-size", "10"]).stdout
        os.unlink(csv_path)
        check("uploaded" in out, out)
        check(re.search(r"r2 (0\.99|1\.0)", out) is not None, out)

        # Cancel a long job started detached, then watch says CANCELLED.
        long_job = ["train", "--model", "mlp:2-64-64-1", "--data",
                    "moons:n=4000,noise=0.1", "--epochs", "5000",
                    "--batch-size", "16"]
        job_id = run(cli + long_job + ["--detach"]).stdout.strip()
        check(job_id.startswith("job-"), job_id)
        out = run(cli + ["cancel", job_id]).stdout
        check(f"{job_id} CANCELLED" in out, out)
        out = run(cli + ["watch", job_id], expect_code=1).stdout
        check("CANCELLED" in out, out)
        run(cli + ["delete", job_id])

        # Ctrl-C without a terminal cancels the job.
        process = subprocess.Popen(cli + long_job, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, text=True)
        first = process.stdout.readline()
        check(first.split(":")[0].startswith("job-"), first)
        interrupted_id = first.split(":")[0]
        process.stdout.readline()  # the first progress line
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
        check(process.returncode == 1, f"exit {process.returncode}\n{stderr}")
        check(f"cancelling {interrupted_id}" in stderr, stderr)
        check("CANCELLED" in stdout, stdout)

        # Bad input is exit 1 with the field named; unknown ids too.
        bad = run(cli + ["train", "--model", "mlp:2-0-1", "--data", MOONS],
                  expect_code=1)
        check("spec.model.mlp.layer_sizes[1]" in bad.stderr, bad.stderr)
        bad = run(cli + ["train", "--model", "logistic", "--data", MOONS,
                         "--lr", "-1"], expect_code=1)
        check("spec.optimizer.learning_rate" in bad.stderr, bad.stderr)
        bad = run(cli + ["watch", "job-00000000"], expect_code=1)
        check("not found" in bad.stderr, bad.stderr)

        # The Python example client watches a job to its end.
        if grpc_python:
            run(["bash", generate, out_dir])
            env = dict(os.environ, SLOPE_PYTHON_GEN=out_dir)
            out = run([grpc_python, watch_job, server.address], env=env).stdout
            check("JOB_STATE_SUCCEEDED: final loss" in out, out)
            check(re.search(r"#\d+ epoch 20/20", out) is not None, out)
            out = run([grpc_python, watch_job, server.address, logistic_id],
                      env=env).stdout
            check(f"{logistic_id} JOB_STATE_SUCCEEDED" in out, out)
        else:
            print("no python3 with grpcio: watch_job.py not run")

    # Nothing listens now: exit 2.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    down = run([slope, "--server", f"127.0.0.1:{free_port}", "--timeout", "3",
                "jobs"], expect_code=2)
    check("cannot reach" in down.stderr or "no answer" in down.stderr,
          down.stderr)


if __name__ == "__main__":
    main(test)
