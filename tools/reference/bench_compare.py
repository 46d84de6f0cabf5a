#!/usr/bin/env python3
"""Ratios of `graft bench --json` results to bench_reference.py's, workload by workload (medians).

  python3 tools/reference/bench_compare.py graft.jsonl torch.jsonl [more-graft.jsonl ...]

For each Graft workload it prints the median and its ratio to the reference's best matching workload (plain,
channels-last, or batch-norm-folded, whichever is fastest; head-cache-* is compared with head-memory, the reference's
fastest head), and each cache read as a share of the plain read of the same files in the same run. Only the
standard library is needed.
"""
import json
import sys


def load(path):
    env, rows = "", {}
    with open(path) as fh:
        for line in fh:
            d = json.loads(line)
            if "environment" in d:
                env = d["environment"]
            else:
                rows[d["workload"]] = d
    return env, rows


def reference_for(workload, ref):
    if workload.startswith("head-"):
        keys = ["head-memory"]
    else:
        keys = [workload, workload + "-channels-last", workload + "-folded", workload + "-folded-channels-last"]
    found = [ref[k] for k in keys if k in ref]
    return max(found, key=lambda r: r["median"]) if found else None


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    ref_env, ref = load(argv[2])
    print("reference: " + ref_env)
    for path in [argv[1]] + argv[3:]:
        env, graft = load(path)
        print("\ngraft (%s): %s\n" % (path, env))
        print("| workload | Graft median | reference (best layout) | Graft / reference |")
        print("|---|---:|---|---:|")
        for w, r in graft.items():
            b = reference_for(w, ref)
            if b is None:
                print("| %s | %.4g %s | - | - |" % (w, r["median"], r["unit"]))
            else:
                print("| %s | %.4g %s | %s %.4g | %.2fx |" % (w, r["median"], r["unit"], b["workload"], b["median"],
                                                             r["median"] / b["median"]))
        plain = [w for w in graft if w.startswith("plain-read-")]
        if plain:
            print("\n| cache read | MB/s | plain read of the same files, MB/s | share of the ceiling |")
            print("|---|---:|---:|---:|")
            for p in plain:
                precision = p[len("plain-read-"):]
                for w, r in graft.items():
                    if w.startswith("cache-read-") and w.endswith("-" + precision):
                        print("| %s | %.0f | %.0f | %.0f %% |" % (w, r["median"], graft[p]["median"],
                                                               100 * r["median"] / graft[p]["median"]))


if __name__ == "__main__":
    main(sys.argv)
