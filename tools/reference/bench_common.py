"""What bench_reference.py (PyTorch) and bench_reference_tf.py (TensorFlow) share: timing, the result rows, the
Markdown table they print and the JSON lines bench_compare.py reads. Standard library only."""
import json
import statistics
import time


def measure(fn, warmup, runs):
    """Units per second of `runs` calls of fn (which returns the units it processed), after `warmup` calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        units = fn()
        out.append(units / (time.perf_counter() - t0))
    return out


def result(workload, unit, values, note):
    return {"workload": workload, "unit": unit, "median": statistics.median(values), "min": min(values),
            "max": max(values), "runs": values, "note": note}


class Report:
    """Prints the environment and a row per result as they come, and writes them as JSON lines at the end."""

    def __init__(self, env):
        self.env, self.results = env, []
        print("- " + env + "\n")
        print("| workload | unit | median | min | max | runs | setup |\n|---|---|---:|---:|---:|---:|---|")

    def emit(self, r):
        self.results.append(r)
        f = lambda v: "%.0f" % v if v >= 100 else "%.3g" % v
        print("| %s | %s | %s | %s | %s | %d | %s |" % (r["workload"], r["unit"], f(r["median"]), f(r["min"]),
                                                      f(r["max"]), len(r["runs"]), r["note"]), flush=True)

    def write(self, path):
        if path:
            with open(path, "w") as fh:
                fh.write(json.dumps({"environment": self.env}) + "\n")
                for r in self.results:
                    fh.write(json.dumps(r) + "\n")
