"""Turns FuzzRunner result files (one per set, before and after a fix) into the markdown table of REPORT.md.

    python3 tools/import-fuzz/summarize.py SET BEFORE.tsv AFTER.tsv

FuzzRunner lines: name, format, exit code, seconds, "max abs diff X" (when --verify ran), last output line.
Outcomes: correct (verify passed: |diff| <= 1e-4 + 1e-3|ref|), WRONG (imported, verify failed: without --verify the
user gets these values), WRONG SHAPE (imported, another output shape), refused (a clear error), crash (exit 1 or an
exception), hang (over the time limit).
"""
import sys


def outcome(rc, diff, last):
    if rc == "0":
        return "correct (" + diff.replace("max abs diff ", "diff ") + ")"
    if rc == "124":
        return "HANG"
    if rc == "2" and diff:
        return "WRONG (" + diff.replace("max abs diff ", "diff ") + ")"
    if rc == "2" and ("reference output has" in last or "shape mismatch" in last):
        return "WRONG SHAPE"
    if rc == "2":
        msg = last.split(": error: ", 1)[-1]
        if msg.startswith("/"):
            msg = msg.split(": ", 1)[-1]
        return "refused: " + msg.replace("|", "/")[:110]
    return "crash (exit " + rc + "): " + last.replace("|", "/")[:80]


def read(path):
    out = {}
    for line in open(path):
        p = line.rstrip("\n").split("\t")
        if len(p) >= 6:
            out[(p[0], p[1])] = outcome(p[2], p[4], p[5])
    return out


def main():
    name, before, after = sys.argv[1:4]
    b, a = read(before), read(after)
    print(f"| {name} case | format | before | after |")
    print("|---|---|---|---|")
    for k in sorted(set(b) | set(a)):
        print(f"| {k[0]} | {k[1]} | {b.get(k, '-')} | {a.get(k, '-')} |")


if __name__ == "__main__":
    main()
