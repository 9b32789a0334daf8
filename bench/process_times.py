#!/usr/bin/env python3
"""Whole-process timings of llmsizer commands (docs/performance.md): wall and CPU time (user + sys of
the child, from getrusage) and peak resident memory, over N runs each; prints min and median.

  bench/process_times.py build/llmsizer [runs]

Needs only the Python standard library (hyperfine is not installed on the build machine). Writes
its 100,000-row scenarios file to a temporary directory.

Each run is started with posix_spawn (glibc's vfork-style clone), not fork: a fork of this
interpreter copies its page tables, and the child's copy-on-write faults before exec were counted
as the command's time (about 1.2 ms of CPU per run on the build machine). The first line times
/bin/true, the floor of a process started this way; a single-answer command's own cost is what it
takes above that.
"""
import os
import subprocess
import sys
import tempfile
import time


def scenarios_file(path, rows):
    # The rows of bench/scenarios_bench.cpp: 8 deployments x 4 engines x 4 isl x 4 osl x 8 concurrencies.
    bases = [("llama-3.1-8b", "h100-sxm", 1, 1, "bf16"), ("llama-3.1-70b", "h100-sxm", 4, 4, "bf16"),
             ("llama-3.1-70b", "h200-sxm", 2, 2, "fp8"), ("qwen3-32b", "l40s", 2, 2, "fp8"),
             ("deepseek-v3", "h200-sxm", 8, 8, "fp8"), ("qwen3-235b-a22b", "b200", 4, 4, "fp8"),
             ("gpt-oss-120b", "h100-sxm", 1, 1, "mxfp4"), ("mixtral-8x7b", "a100-80gb-sxm", 2, 2, "bf16")]
    engines, isls, osls = ["", "vllm", "sglang", "trtllm"], [128, 1000, 4000, 8000], [128, 500, 1000, 2000]
    with open(path, "w") as out:
        out.write("id,model,gpu,gpus,tp,weights,engine,isl,osl,concurrency\n")
        for i in range(rows):
            m, g, n, tp, w = bases[i % 8]
            out.write(f"r{i},{m},{g},{n},{tp},{w},{engines[(i // 8) % 4]},{isls[(i // 32) % 4]},"
                      f"{osls[(i // 128) % 4]},{1 << ((i // 512) % 8)}\n")


DEVNULL_OUTPUT = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]


def measure(command, runs):
    walls, cpus, rss = [], [], 0
    for _ in range(runs):
        start = time.perf_counter()
        pid = os.posix_spawn(command[0], command, os.environ, file_actions=DEVNULL_OUTPUT)
        _, status, usage = os.wait4(pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        rss = max(rss, usage.ru_maxrss)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"failed: {' '.join(command)}")
    walls.sort()
    cpus.sort()
    return walls[0], walls[len(walls) // 2], cpus[0], cpus[len(cpus) // 2], rss


def main():
    exe = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with tempfile.TemporaryDirectory() as tmp:
        rows = os.path.join(tmp, "scenarios100k.csv")
        scenarios_file(rows, 100000)
        commands = [
            (["/bin/true"], runs),
            ([exe, "list", "gpus"], runs),
            ([exe, "estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--isl", "1000", "--osl", "500"], runs),
            ([exe, "fit", "--model", "deepseek-r1", "--gpu", "a100-80gb-sxm"], runs),
            ([exe, "sweep", "--model", "deepseek-v3", "--all-gpus", "--isl", "1000", "--osl", "1000"], max(3, runs // 4)),
            ([exe, "estimate", "--scenarios", rows, "--csv"], 3),
            ([exe, "estimate", "--scenarios", rows, "--json"], 3),
        ]
        print(f"{'command':<70} {'wall min':>9} {'wall med':>9} {'cpu min':>9} {'cpu med':>9} {'max RSS':>9}")
        for command, n in commands:
            wmin, wmed, cmin, cmed, rss = measure(command, n)
            label = " ".join(command[1:] or command).replace(rows, "100k.csv")
            print(f"{label:<70} {wmin*1e3:8.1f}ms {wmed*1e3:8.1f}ms {cmin*1e3:8.1f}ms {cmed*1e3:8.1f}ms {rss/1024:7.1f}MB")


if __name__ == "__main__":
    main()
