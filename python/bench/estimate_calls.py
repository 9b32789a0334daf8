"""Calls per second of llmsizer.estimate(...) from Python (issue 16's target: >= 1e5/s).

Not a test (no test asserts on time): run by hand after a Release build, with Debian's interpreter:

    PYTHONPATH=build/python /usr/bin/python3 python/bench/estimate_calls.py [SECONDS]

Prints one line per case: the calls made, the best of five runs in microseconds of CPU time per call
(process time, so that other work on a shared machine does not count), and the calls per second of
one core that gives.
"""
import sys
import time

import llmsizer

CASES = {
    "dense, 8 GPUs": dict(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, isl=1000, osl=100, concurrency=32),
    "MoE fp8, 8 GPUs": dict(model="deepseek-v3", gpu="h200", gpus=8, isl=2000, osl=500, concurrency=64,
                            weights="fp8"),
    "no GPU count (smallest layout)": dict(model="llama-3.1-70b", gpu="h100-sxm", isl=1000, osl=100),
}


def best_seconds_per_call(options, seconds):
    calls = 1
    while True:  # enough calls that one run takes about a fifth of the budget
        start = time.process_time()
        for _ in range(calls):
            llmsizer.estimate(**options)
        elapsed = time.process_time() - start
        if elapsed > seconds / 5:
            break
        calls *= 2
    runs = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(calls):
            llmsizer.estimate(**options)
        runs.append((time.process_time() - start) / calls)
    return calls, min(runs)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    for name, options in CASES.items():
        llmsizer.estimate(**options)  # the first call loads the catalog and prepares the model
        calls, per_call = best_seconds_per_call(options, seconds)
        print(f"{name:32s} {calls:8d} calls  {per_call * 1e6:7.2f} us/call  {1 / per_call:10.0f} calls/s")


if __name__ == "__main__":
    main()
