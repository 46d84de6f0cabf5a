#!/usr/bin/env python3
"""Ratios of `graft bench --json` results to bench_reference.py's, workload by workload (medians).

  python3 tools/reference/bench_compare.py graft.jsonl torch.jsonl[,tf.jsonl] [more-graft.jsonl ...]

For each Graft workload it prints the median and its ratio to the references' best matching workload (plain,
channels-last, batch-norm-folded or XLA, whichever is fastest, across all reference files given with commas;
head-cache-* is compared with head-memory, the reference's
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


def reference_for(workload, refs):
    """The fastest matching row over all reference files, its workload id prefixed with the file's name."""
    if workload.startswith("head-"):
        keys = ["head-memory"]
    else:
        keys = [workload + s for s in ["", "-channels-last", "-folded", "-folded-channels-last", "-xla"]]
    found = [dict(ref[k], workload=name + ":" + k) for name, ref in refs for k in keys if k in ref]
    return max(found, key=lambda r: r["median"]) if found else None


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    refs = []
    for path in argv[2].split(","):
        ref_env, ref = load(path)
        refs.append((path.rsplit("/", 1)[-1].split(".")[0], ref))
        print("reference %s: %s" % (path, ref_env))
    ref = refs
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
