#!/usr/bin/env python3
"""PyTorch reference for ``./graft demo`` (DigitsTransferDemo): the same protocol on exactly the same split.

Graft never depends on Python or PyTorch; this script only exists so Graft's accuracies can be compared with a
PyTorch implementation of the same experiment. It reproduces, in Python:

* ``java.util.Random`` (48-bit LCG, seed scrambling, ``nextInt(bound)`` with its power-of-two and rejection
  branches) and ``Collections.shuffle(list, rnd)``;
* LabeledData's ``stratifiedSplit``, ``selectClasses``, ``samplePerClass``, ``shuffled`` and ``fingerprint``
  (checked against Graft at start-up: ``./graft data digits:5-9 --per-class 20 --seed 1``);
* the batch orders of ShufflingIterator (a seeded ``Random`` reshuffled at every ``reset()``) and of the feature
  cache's iterator (``Random(CacheBuild.seedFor(seed, -1, epoch))`` per epoch), including when DL4J calls
  ``reset()``: ``MultiLayerNetwork.fit(iterator, n)`` resets only an exhausted iterator (so epoch 0 uses the order
  made in the constructor), the EarlyStoppingTrainer resets before every epoch (so epoch 0 uses the second order);
* DL4J's early stopping (best model saved on any strict improvement of the validation loss; stop when
  ``MaxEpochsTerminationCondition`` or ``ScoreImprovementEpochTerminationCondition(patience, minImprovement)``
  fires), its validation score (mean softmax cross-entropy, probabilities clipped below at 1e-10);
* DL4J's Adam (``lr * sqrt(1-b2^t) / (1-b1^t) * m / (sqrt(v) + eps)``; ``--adam torch`` uses torch.optim.Adam),
  WeightInit.RELU (normal, std sqrt(2/fanIn)), WeightInit.XAVIER (normal, std sqrt(2/(fanIn+fanOut))), zero biases.

What cannot be the same: the random initial weights (ND4J's generator is not reproduced; torch draws them from
``torch.Generator().manual_seed(seed)``, the same seeds Graft passes to DL4J) and float rounding.

Usage (see tools/reference/README.md):
    python tools/reference/digits_demo_reference.py --threads 2 1
"""
import argparse
import gzip
import hashlib
import math
import os
import struct
import sys
import time

# On a shared 2-core machine with another busy process, OpenMP's default spin-waiting makes every 2-thread op wait
# for a descheduled thread: an epoch took ~6 s instead of 0.02 s. Passive waiting avoids that; set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(
    HERE, "..", "..", "transfer", "src", "main", "resources", "dev", "graft", "data", "digits.csv.gz"))

# DigitsTransferDemo constants and DemoSettings.defaults() (main branch; the jar that produced Graft's table)
SPLIT_SEED = 42
TEST_FRACTION = 0.25
VALIDATION_FRACTION = 0.15
MIN_IMPROVEMENT = 1e-4
WIDTH = 100
HIDDEN = 5
TOP_HIDDEN = HIDDEN - 1      # frozen transfer cut: output of the last hidden layer
BELOW_TOP_TWO = HIDDEN - 3   # fine-tune cut: top two hidden layers trainable
DIGITS_MAX = 16.0
SETTINGS = dict(labels_per_class=20, curve=[2, 5, 10, 20], batch_size=16, source_batch_size=32,
                source_lr=1e-3, source_max_epochs=100, patience=10, head_lr=3e-3, head_epochs=100,
                fine_tune_lr=3e-4, fine_tune_epochs=100, scratch_epochs=150)
# `./graft data digits:5-9 --per-class 20 --seed 1` (Graft's LabeledData.fingerprint of that sample)
GRAFT_DATA_FINGERPRINT = "11a9a4605d65bc804e01abcea9b0072280920ed334cf4779b14c89f5cd378de2"

# ---------------------------------------------------------------------------------------------------------------
# java.util.Random, Collections.shuffle, CacheBuild.seedFor
# ---------------------------------------------------------------------------------------------------------------
_MULT = 0x5DEECE66D
_MASK48 = (1 << 48) - 1
_MASK64 = (1 << 64) - 1


class JavaRandom:
    """java.util.Random: same seed, same numbers."""

    def __init__(self, seed):
        self.seed = (seed ^ _MULT) & _MASK48

    def next_bits(self, bits):
        self.seed = (self.seed * _MULT + 0xB) & _MASK48
        r = self.seed >> (48 - bits)
        return r - (1 << 32) if r & (1 << 31) else r  # (int) cast

    def next_int(self, bound):
        if bound <= 0:
            raise ValueError("bound must be positive")
        r = self.next_bits(31)
        m = bound - 1
        if bound & m == 0:  # power of two
            return (bound * r) >> 31
        u = r
        r = u % bound
        while u - r + m >= (1 << 31):  # Java: u - r + m < 0 (int overflow) -> reject
            u = self.next_bits(31)
            r = u % bound
        return r


def java_shuffle(lst, rnd):
    """Collections.shuffle(list, rnd) for a RandomAccess list: for i = size-1 .. 1, swap(i, nextInt(i+1))."""
    for i in range(len(lst) - 1, 0, -1):
        j = rnd.next_int(i + 1)
        lst[i], lst[j] = lst[j], lst[i]
    return lst


def _s64(x):
    x &= _MASK64
    return x - (1 << 64) if x >= (1 << 63) else x


def seed_for(seed, view, example):
    """dev.graft.transfer.cache.CacheBuild.seedFor (a SplitMix64-style mix, Java long arithmetic)."""
    z = (seed * 0x9E3779B97F4A7C15 + view * 0xC2B2AE3D27D4EB4F + example * 0x165667B19E3779F9) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return _s64(z ^ (z >> 31))


def java_round(x):
    """Math.round(double) for the non-negative values used here."""
    return int(math.floor(x + 0.5))


def permutation(n, rnd):
    """The order ShufflingIterator / CacheIterator build: identity, then for i = n-1 .. 1 swap(i, nextInt(i+1))."""
    return java_shuffle(list(range(n)), rnd)


class ShufflingOrders:
    """Batch orders of dev.graft.transfer.data.ShufflingIterator(data, batch, seed): the constructor shuffles once,
    every reset() shuffles again with the same Random. seed < 0: stored order."""

    def __init__(self, n, seed):
        self.n, self.shuffle = n, seed >= 0
        self.rnd = JavaRandom(max(seed, 0))
        self.order = self._make()

    def _make(self):
        return permutation(self.n, self.rnd) if self.shuffle else list(range(self.n))

    def reset(self):
        self.order = self._make()


class CacheOrders:
    """Batch orders of the feature cache iterator: epoch e (0 at construction, +1 per reset()) is shuffled with
    Random(CacheBuild.seedFor(seed, -1, e)); seed < 0: stored order."""

    def __init__(self, n, seed):
        self.n, self.seed, self.epoch = n, seed, 0
        self.order = self._make()

    def _make(self):
        if self.seed < 0:
            return list(range(self.n))
        return permutation(self.n, JavaRandom(seed_for(self.seed, -1, self.epoch)))

    def reset(self):
        self.epoch += 1
        self.order = self._make()


# ---------------------------------------------------------------------------------------------------------------
# LabeledData
# ---------------------------------------------------------------------------------------------------------------
class LabeledData:
    def __init__(self, x, y, names):
        self.x = np.ascontiguousarray(x, dtype=np.float32)
        self.y = np.asarray(y, dtype=np.int32)
        self.names = list(names)

    @staticmethod
    def read_csv_gz(path):
        rows, text = [], []
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                cells = line.rstrip("\n").split(",")
                rows.append([float(c) for c in cells[:-1]])
                text.append(cells[-1].strip())
        names = sorted(set(text), key=int)  # CsvData: numeric labels sorted numerically
        return LabeledData(np.array(rows, dtype=np.float32), [names.index(t) for t in text], names)

    def __len__(self):
        return len(self.y)

    def num_classes(self):
        return len(self.names)

    def subset(self, idx):
        idx = np.asarray(idx, dtype=np.int64)
        return LabeledData(self.x[idx], self.y[idx], self.names)

    def indices_of(self, c):
        return [i for i in range(len(self.y)) if self.y[i] == c]

    def select_classes(self, keep):
        mapping = {self.names.index(k): j for j, k in enumerate(keep)}
        idx = [i for i in range(len(self.y)) if int(self.y[i]) in mapping]
        return LabeledData(self.x[idx], [mapping[int(self.y[i])] for i in idx], keep)

    def stratified_split(self, test_fraction, seed):
        test = [False] * len(self)
        rnd = JavaRandom(seed)
        for c in range(self.num_classes()):
            members = java_shuffle(self.indices_of(c), rnd)
            for i in members[:java_round(len(members) * test_fraction)]:
                test[i] = True
        a = [i for i in range(len(self)) if not test[i]]
        b = [i for i in range(len(self)) if test[i]]
        return self.subset(a), self.subset(b)

    def sample_per_class(self, per_class, seed):
        rnd = JavaRandom(seed)
        chosen = []
        for c in range(self.num_classes()):
            members = java_shuffle(self.indices_of(c), rnd)
            chosen.extend(sorted(members[:per_class]))
        return self.subset(chosen)

    def shuffled(self, seed):
        return self.subset(java_shuffle(list(range(len(self))), JavaRandom(seed)))

    def fingerprint(self):
        md = hashlib.sha256()
        md.update(("[" + ", ".join(str(s) for s in self.x.shape) + "]").encode("utf-8"))
        md.update(self.x.astype("<f4").tobytes(order="C") + self.y.astype("<i4").tobytes())
        md.update("\u0000".join(self.names).encode("utf-8"))
        return md.hexdigest()

    def tensors(self):
        # Normalization.scale(1/16): float32 multiply (1/16 is exact)
        return torch.from_numpy(self.x * np.float32(1.0 / DIGITS_MAX)), torch.from_numpy(self.y.astype(np.int64))


# ---------------------------------------------------------------------------------------------------------------
# Networks, Adam, training loops
# ---------------------------------------------------------------------------------------------------------------
def dense(n_in, n_out, gen, xavier=False):
    layer = torch.nn.Linear(n_in, n_out)
    std = math.sqrt(2.0 / (n_in + n_out)) if xavier else math.sqrt(2.0 / n_in)  # DL4J XAVIER / RELU: normal
    with torch.no_grad():
        layer.weight.copy_(torch.randn(n_out, n_in, generator=gen) * std)
        layer.bias.zero_()
    return layer


def build_mlp(seed, n_in, hidden, n_out):
    """DigitsMlp.build: hidden x Dense(100, ELU, He normal) then softmax output (Xavier normal); returns the list of
    layers (Linear); activations are applied in forward()."""
    gen = torch.Generator().manual_seed(seed)
    layers, d = [], n_in
    for _ in range(hidden):
        layers.append(dense(d, WIDTH, gen))
        d = WIDTH
    layers.append(dense(d, n_out, gen, xavier=True))
    return torch.nn.ModuleList(layers)


def forward(layers, x, start=0):
    """Logits of layers[start:] (ELU after every layer but the last)."""
    for i in range(start, len(layers)):
        x = layers[i](x)
        if i < len(layers) - 1:
            x = torch.nn.functional.elu(x)
    return x


def hidden_output(layers, x, cut):
    """Output of hidden layer `cut` (0-based), as Featurizers.cut(model, cut) gives."""
    for i in range(cut + 1):
        x = torch.nn.functional.elu(layers[i](x))
    return x


class Dl4jAdam:
    """ND4J's Adam updater: alpha_t = lr*sqrt(1-b2^t)/(1-b1^t); p -= alpha_t * m / (sqrt(v) + eps)."""

    def __init__(self, params, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.params = [p for p in params]
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        self.t += 1
        alpha = self.lr * math.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            p.sub_(alpha * m / (v.sqrt() + self.eps))


def make_optimizer(kind, params, lr):
    params = list(params)
    return Dl4jAdam(params, lr) if kind == "dl4j" else torch.optim.Adam(params, lr=lr)


def train_epoch(layers, opt, x, y, order, batch, start=0, prefix=None):
    """One epoch of mini-batches in `order`; mean softmax cross-entropy per batch (DL4J MCXENT, no L2).
    `prefix` (frozen layers) is applied without gradients to every batch first."""
    order_t = torch.tensor(order, dtype=torch.int64)
    for s in range(0, len(order), batch):
        idx = order_t[s:s + batch]
        xb = x[idx]
        if prefix is not None:
            with torch.no_grad():
                xb = prefix(xb)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(forward(layers, xb, start), y[idx])
        loss.backward()
        opt.step()


@torch.no_grad()
def dl4j_val_loss(layers, x, y):
    """DataSetLossCalculator(average=true): mean MCXENT, softmax outputs clipped below at 1e-10 as LossMCXENT does."""
    p = torch.softmax(forward(layers, x), dim=1).clamp_min(1e-10)
    return float(-torch.log(p.gather(1, y[:, None])).mean())


@torch.no_grad()
def accuracy(logits_fn, x, y):
    return float((logits_fn(x).argmax(1) == y).float().mean())


def fit_epochs(layers, opt, x, y, orders, epochs, batch, start=0, prefix=None):
    """MultiLayerNetwork.fit(iterator, epochs): epoch 0 uses the iterator's current order, reset() before the
    others (DL4J resets only an exhausted iterator, at the start of fit)."""
    for e in range(epochs):
        if e > 0:
            orders.reset()
        train_epoch(layers, opt, x, y, orders.order, batch, start, prefix)


def train_source(train, val, seed, s, adam):
    layers = build_mlp(seed, 64, HIDDEN, train.num_classes())
    opt = make_optimizer(adam, layers.parameters(), s["source_lr"])
    x, y = train.tensors()
    xv, yv = val.tensors()
    orders = ShufflingOrders(len(train), seed)
    best_score, best_epoch, best_state = float("inf"), -1, None
    cond_best_epoch, cond_best = -1, float("nan")
    epoch = 0
    while True:
        orders.reset()  # the EarlyStoppingTrainer resets the iterator before every epoch
        train_epoch(layers, opt, x, y, orders.order, s["source_batch_size"])
        score = dl4j_val_loss(layers, xv, yv)
        if score < best_score:
            best_score, best_epoch = score, epoch
            best_state = [(l.weight.detach().clone(), l.bias.detach().clone()) for l in layers]
        # MaxEpochsTerminationCondition, then ScoreImprovementEpochTerminationCondition (first that fires wins)
        stop = epoch + 1 >= s["source_max_epochs"]
        if not stop:
            if cond_best_epoch == -1:
                cond_best_epoch, cond_best = epoch, score
            elif cond_best - score > s["min_improvement"]:
                cond_best_epoch, cond_best = epoch, score
            else:
                stop = epoch >= cond_best_epoch + s["patience"]
        if stop:
            break
        epoch += 1
    with torch.no_grad():
        for l, (w, b) in zip(layers, best_state):
            l.weight.copy_(w)
            l.bias.copy_(b)
    return layers, best_epoch, epoch + 1


def clone_layers(layers, idx):
    out = []
    for i in idx:
        l = torch.nn.Linear(layers[i].in_features, layers[i].out_features)
        with torch.no_grad():
            l.weight.copy_(layers[i].weight)
            l.bias.copy_(layers[i].bias)
        out.append(l)
    return torch.nn.ModuleList(out)


def run_seed(data, seed, s, adam, log):
    source_train, source_test, target_train, target_test = data
    r = {"seed": seed, "curve": {}}
    t0 = time.perf_counter()
    tr, val = source_train.stratified_split(VALIDATION_FRACTION, seed)
    source, r["best_epoch"], r["epochs"] = train_source(tr, val, seed, s, adam)
    for p in source.parameters():
        p.requires_grad_(False)
    r["source_seconds"] = time.perf_counter() - t0
    xs, ys = source_test.tensors()
    r["source_acc"] = accuracy(lambda x: forward(source, x), xs, ys)
    xt, yt = target_test.tensors()
    log(f"seed {seed}: source acc {r['source_acc']:.3f} (best epoch {r['best_epoch']} of {r['epochs']}, "
        f"{r['source_seconds']:.1f} s)")

    for n in s["curve"]:
        few = target_train.sample_per_class(n, seed).shuffled(seed)
        xf, yf = few.tensors()
        bs = s["batch_size"]

        # 3. frozen hidden layers, new head (Xavier, init seed = seed) on cached outputs of the last hidden layer,
        #    cache iterator without shuffling (few is already shuffled), head_epochs at head_lr
        t0 = time.perf_counter()
        with torch.no_grad():
            feats = torch.cat([hidden_output(source, xf[i:i + bs], TOP_HIDDEN) for i in range(0, len(few), bs)])
        featurize = time.perf_counter() - t0
        head = build_mlp(seed, WIDTH, 0, few.num_classes())
        initial_head = clone_layers(head, [0])
        opt = make_optimizer(adam, head.parameters(), s["head_lr"])
        t1 = time.perf_counter()
        fit_epochs(head, opt, feats, yf, CacheOrders(len(few), -1), s["head_epochs"], bs)
        head_seconds = time.perf_counter() - t1
        frozen_fn = lambda x: forward(head, hidden_output(source, x, TOP_HIDDEN))
        frozen_acc = accuracy(frozen_fn, xt, yt)
        if n == s["labels_per_class"]:
            # the same head, same initial weights and batches, trained through the frozen layers
            through = initial_head
            opt2 = make_optimizer(adam, through.parameters(), s["head_lr"])
            t2 = time.perf_counter()
            fit_epochs(through, opt2, xf, yf, ShufflingOrders(len(few), -1), s["head_epochs"], bs,
                       prefix=lambda x: hidden_output(source, x, TOP_HIDDEN))
            r["through_seconds"] = time.perf_counter() - t2
            r["head_cache_seconds"] = head_seconds
            r["featurize_seconds"] = featurize
            r["cache_vs_through"] = max(float((a - b).detach().abs().max()) for a, b in
                                        zip(through.parameters(), head.parameters()))

        # 4. top two hidden layers unfrozen (from the source net) + the trained head, fine_tune_lr, cache at the
        #    output of hidden layer BELOW_TOP_TWO, cache iterator shuffled with seed
        with torch.no_grad():
            feats2 = torch.cat([hidden_output(source, xf[i:i + bs], BELOW_TOP_TWO) for i in range(0, len(few), bs)])
        top = clone_layers(source, range(BELOW_TOP_TWO + 1, HIDDEN))
        top.append(clone_layers(head, [0])[0])
        opt = make_optimizer(adam, top.parameters(), s["fine_tune_lr"])
        fit_epochs(top, opt, feats2, yf, CacheOrders(len(few), seed), s["fine_tune_epochs"], bs)
        top2_acc = accuracy(lambda x: forward(top, hidden_output(source, x, BELOW_TOP_TWO)), xt, yt)

        # 5. from scratch: same architecture, init seed + 1_000_003, source_lr, ShufflingIterator(few, bs, seed)
        scratch = build_mlp(seed + 1_000_003, 64, HIDDEN, few.num_classes())
        opt = make_optimizer(adam, scratch.parameters(), s["source_lr"])
        fit_epochs(scratch, opt, xf, yf, ShufflingOrders(len(few), seed), s["scratch_epochs"], bs)
        scratch_acc = accuracy(lambda x: forward(scratch, x), xt, yt)
        r["curve"][n] = (frozen_acc, top2_acc, scratch_acc)
        log(f"seed {seed}: {n:2d}/class frozen {frozen_acc:.3f} top2 {top2_acc:.3f} scratch {scratch_acc:.3f}")
    return r


def stats(v):
    m = sum(v) / len(v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else 0.0
    return m, sd


def acc_text(v):
    m, sd = stats(v)
    return f"{m:.3f} ± {sd:.3f}" if len(v) > 1 else f"{m:.3f}"


def render(results, s, threads, adam, describe):
    n = s["labels_per_class"]
    out = []
    out.append(f"PyTorch reference ({torch.__version__}, torch threads {threads}, Adam {adam}) of graft demo, "
               f"{n} labels per class")
    out.append(f"data: {describe}; {len(results)} seeds ({results[0]['seed']}..{results[-1]['seed']}), mean ± std")
    out.append("")
    row = "{:<48} {:<18} {}"
    out.append(row.format("step", "test accuracy", "wall time (mean)"))
    out.append(row.format("1 source net on 0-4 (5x100 ELU, He, Adam, early stop)",
                          acc_text([r["source_acc"] for r in results]),
                          f"{stats([r['source_seconds'] for r in results])[0]:.2f} s  (best epoch "
                          f"{stats([r['best_epoch'] for r in results])[0]:.0f} of "
                          f"{stats([r['epochs'] for r in results])[0]:.0f})"))
    out.append(row.format("3 frozen hidden layers, new head from cache", acc_text([r["curve"][n][0] for r in results]), ""))
    hc = stats([r["head_cache_seconds"] for r in results])[0]
    ht = stats([r["through_seconds"] for r in results])[0]
    out.append(row.format("    head training: from cached features", "",
                          f"{hc:.2f} s  (featurize once: {stats([r['featurize_seconds'] for r in results])[0]:.3f} s)"))
    out.append(row.format("    head training: through the frozen layers", "", f"{ht:.2f} s  (cache is {ht / hc:.1f}x faster)"))
    out.append(row.format(f"4 top 2 hidden layers unfrozen, lr {s['fine_tune_lr']:.0e}",
                          acc_text([r["curve"][n][1] for r in results]), ""))
    out.append(row.format(f"5 from scratch on the same {5 * n} examples", acc_text([r["curve"][n][2] for r in results]), ""))
    out.append("")
    out.append("Test accuracy on digits 5-9 by labelled examples per class:")
    crow = "{:<18} {:<24} {:<24} {}"
    out.append(crow.format("labels per class", "frozen base + new head", "top 2 unfrozen", "from scratch"))
    for c in s["curve"]:
        out.append(crow.format(c, *[acc_text([r["curve"][c][m] for r in results]) for m in range(3)]))
    out.append("")
    out.append("head from cache vs through frozen layers (same init, same batches): max |diff| = "
               f"{max(r['cache_vs_through'] for r in results):.3g}")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="digits.csv.gz (default: Graft's embedded copy)")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--threads", type=int, nargs="+", default=[2, 1], help="torch.set_num_threads values, one run each")
    ap.add_argument("--adam", choices=["dl4j", "torch"], default="dl4j",
                    help="dl4j: ND4J's Adam update (default); torch: torch.optim.Adam")
    ap.add_argument("--patience", type=int, default=SETTINGS["patience"])
    ap.add_argument("--min-improvement", type=float, default=MIN_IMPROVEMENT)
    ap.add_argument("--fingerprints", action="store_true", help="print the fingerprints of every set and exit")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    s = dict(SETTINGS, patience=a.patience, min_improvement=a.min_improvement)
    log = (lambda m: None) if a.quiet else (lambda m: print(m, file=sys.stderr, flush=True))

    digits = LabeledData.read_csv_gz(a.data)
    assert len(digits) == 1797 and digits.x.shape[1] == 64, digits.x.shape
    check = digits.select_classes([str(c) for c in range(5, 10)]).sample_per_class(20, 1)
    if check.fingerprint() != GRAFT_DATA_FINGERPRINT:
        sys.exit("split check failed: digits:5-9 --per-class 20 --seed 1 fingerprint " + check.fingerprint()
                 + " differs from Graft's " + GRAFT_DATA_FINGERPRINT)
    train, test = digits.stratified_split(TEST_FRACTION, SPLIT_SEED)
    src, tgt = [str(c) for c in range(5)], [str(c) for c in range(5, 10)]
    data = (train.select_classes(src), test.select_classes(src), train.select_classes(tgt), test.select_classes(tgt))
    describe = (f"digits split 75/25 (seed {SPLIT_SEED}): 0-4 train {len(data[0])} / test {len(data[1])}, "
                f"5-9 pool {len(data[2])} / test {len(data[3])}")
    seeds = range(a.first_seed, a.first_seed + a.seeds)
    if a.fingerprints:
        for name, d in zip(["sourceTrain", "sourceTest", "targetTrain", "targetTest"], data):
            print(name, len(d), d.fingerprint())
        for seed in seeds:
            tr, val = data[0].stratified_split(VALIDATION_FRACTION, seed)
            print("seed", seed, "val.train", len(tr), tr.fingerprint())
            print("seed", seed, "val.test", len(val), val.fingerprint())
            for n in s["curve"]:
                few = data[2].sample_per_class(n, seed).shuffled(seed)
                print("seed", seed, f"few{n}", len(few), few.fingerprint())
        r = JavaRandom(-7)
        print("rand", *[r.next_int(b) for b in [1, 2, 16, 17, 100, 1000003, 2 ** 31 - 1]])
        print("seedFor", *[seed_for(sd, -1, e) for sd in (1, 5) for e in (0, 1, 99)])
        return

    print(f"split check: fingerprint of digits:5-9 --per-class 20 --seed 1 equals Graft's ({GRAFT_DATA_FINGERPRINT[:12]}...)")
    print(f"settings: {s}")
    for threads in a.threads:
        torch.set_num_threads(threads)
        t0 = time.perf_counter()
        results = [run_seed(data, seed, s, a.adam, log) for seed in seeds]
        print()
        print(render(results, s, threads, a.adam, describe))
        print(f"total wall time: {time.perf_counter() - t0:.1f} s")
        print("per seed source accuracy: " + " ".join(f"{r['source_acc']:.3f}" for r in results))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
