"""Independent numpy reference for FaceNAS's verification and identification metrics, written
from the protocol description (insightface 10-fold verification; closed-set rank-k and mAP),
not from FaceNAS's Swift code. numpy only.

  make-verify DIR SEED   -> DIR/E.npy (float32), DIR/pairs.txt
  make-identify DIR SEED -> DIR/P.npy, DIR/P.txt, DIR/G.npy, DIR/G.txt
  verify E.npy PAIRS OUT.json
  identify P.npy P.txt G.npy G.txt RANKS OUT.json
"""
import json
import sys

import numpy as np

DIM = 16


def lattice(rng, n):
    """Unit vectors with entries +-1/4 in 16 dims: every distance and inner product is exact."""
    return (rng.integers(0, 2, size=(n, DIM)) * 2 - 1) * 0.25


def flip(v, rng, k):
    """v with k distinct coordinates negated: squared distance exactly k/4."""
    w = v.copy()
    w[rng.choice(DIM, size=k, replace=False)] *= -1
    return w


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def make_verify(out, seed):
    rng = np.random.default_rng(seed)
    rows, pairs = [], []

    def add(a, b, same):
        rows.extend([a, b])
        pairs.append((len(rows) - 2, len(rows) - 1, int(same)))

    # Random pairs keep out of [0.85, 1.05), where the best threshold lies: only the lattice
    # pairs at 1.0 fall there, so thresholds 0.86 ... 1.05 score alike in runs (argmax ties).
    def random_pair(same):
        while True:
            a = unit(rng.standard_normal(DIM))
            b = unit(a + rng.normal(0, 0.22, DIM)) if same else unit(rng.standard_normal(DIM))
            d = np.sum((a - b) ** 2)
            if not 0.85 <= d < 1.05:
                return a, b

    for _ in range(5400):
        add(*random_pair(True), True)
    for _ in range(13455):
        add(*random_pair(False), False)
    for same, count in ((True, 150), (False, 10)):          # duplicates: distance exactly 0
        for _ in range(count):
            v = lattice(rng, 1)[0]
            add(v, v.copy(), same)
    for k, n_same, n_diff in ((1, 100, 20), (2, 200, 200), (4, 150, 150), (6, 60, 112)):  # distances k/4 on the grid
        for same, count in ((True, n_same), (False, n_diff)):
            for _ in range(count):
                v = lattice(rng, 1)[0]
                add(v, flip(v, rng, k), same)
    order = rng.permutation(len(pairs))
    pairs = [pairs[i] for i in order]
    np.save(f"{out}/E.npy", np.array(rows, dtype=np.float32))
    with open(f"{out}/pairs.txt", "w") as f:
        f.write("# i j same\n")
        for i, j, s in pairs:
            f.write(f"{i} {j} {s}\n")


def verify(e_path, pairs_path, out):
    e = np.load(e_path).astype(np.float64)
    e = e / np.linalg.norm(e, axis=1, keepdims=True)
    p = np.loadtxt(pairs_path, dtype=np.int64, comments="#", ndmin=2)
    dist = np.sum((e[p[:, 0]] - e[p[:, 1]]) ** 2, axis=1)
    same = p[:, 2] == 1
    n = len(dist)
    sizes = np.full(10, n // 10)
    sizes[: n % 10] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    thr = np.arange(0, 4, 0.01)
    pred = dist[None, :] < thr[:, None]
    correct = pred == same[None, :]
    accs, best_thr, ties, tprs, fprs = [], [], [], [], []
    for f in range(10):
        test = np.zeros(n, dtype=bool)
        test[bounds[f]:bounds[f + 1]] = True
        train_acc = correct[:, ~test].mean(axis=1)
        b = int(np.argmax(train_acc))
        ties.append(int(np.sum(train_acc == train_acc[b])))
        accs.append(correct[b, test].mean())
        best_thr.append(thr[b])
        pos, neg = same & test, ~same & test
        tprs.append((pred[:, pos].sum(1) / pos.sum()) if pos.sum() else np.zeros(len(thr)))
        fprs.append((pred[:, neg].sum(1) / neg.sum()) if neg.sum() else np.zeros(len(thr)))
    tar = {}
    far_thr = np.arange(0, 4, 0.001)
    for label, target in (("1e-3", 1e-3), ("1e-4", 1e-4)):
        if (~same).sum() < round(10 / target):
            tar[label] = None
            continue
        vals = []
        for f in range(10):
            test = np.zeros(n, dtype=bool)
            test[bounds[f]:bounds[f + 1]] = True
            train_neg = dist[~same & ~test]
            far_train = (train_neg[None, :] < far_thr[:, None]).mean(axis=1)
            t = far_thr[np.nonzero(far_train <= target)[0].max()]
            pos = dist[same & test]
            vals.append(np.mean(pos < t) if len(pos) else 0.0)
        tar[label] = float(np.mean(vals))
    result = {
        "pairs": n, "same_pairs": int(same.sum()), "different_pairs": int((~same).sum()),
        "accuracy": float(np.mean(accs)), "accuracy_std": float(np.std(accs)),
        "threshold": float(np.mean(best_thr)),
        "fold_accuracies": [float(a) for a in accs], "fold_thresholds": [float(t) for t in best_thr],
        "fold_sizes": [int(s) for s in sizes], "best_ties": ties, "tar_at_far": tar,
        "tpr": np.mean(tprs, axis=0).tolist(), "fpr": np.mean(fprs, axis=0).tolist(),
        "grid": thr.tolist(), "far_grid_size": len(far_thr), "far_grid_last": float(far_thr[-1]),
        "zero_distances": int(np.sum(dist == 0)), "half_distances": int(np.sum(dist == 0.5)),
    }
    json.dump(result, open(out, "w"))


def make_identify(out, seed):
    rng = np.random.default_rng(seed)
    ids = 150
    centres = unit(rng.standard_normal((ids, DIM)))
    g, gl, p, pl = [], [], [], []
    for i in range(ids):
        for _ in range(rng.integers(1, 5)):                   # 1-4 gallery photos per person
            g.append(unit(centres[i] + rng.normal(0, 0.12, DIM)))
            gl.append(i)
        for _ in range(rng.integers(1, 4)):
            p.append(unit(centres[i] + rng.normal(0, 0.12, DIM)))
            pl.append(i)
    for _ in range(1500):                                      # distractors
        g.append(unit(rng.standard_normal(DIM)))
        gl.append(-100)
    dup = rng.choice(len(g), size=60, replace=False)          # exact duplicates: equal scores
    for k in dup:
        g.append(g[k].copy())
        gl.append(gl[k] if rng.random() < 0.5 else -100)
    # Lattice people: gallery items at exactly equal scores to the probe (k flips each), some of
    # them of the probe's identity, some distractors, some another identity.
    for i in range(ids, ids + 40):
        v = lattice(rng, 1)[0]
        p.append(v)
        pl.append(i)
        for k, label in ((2, i), (2, -100), (2, i), (2, 0), (4, i), (1, -100), (4, 1)):
            g.append(flip(v, rng, k))
            gl.append(label)
    for i in range(5):                                         # probes without any match
        p.append(unit(rng.standard_normal(DIM)))
        pl.append(10_000 + i)
    p.append(unit(rng.standard_normal(DIM)))                   # a probe labelled like a distractor
    pl.append(-100)
    perm = rng.permutation(len(g))
    g = [g[k] for k in perm]
    gl = [gl[k] for k in perm]
    np.save(f"{out}/P.npy", np.array(p, dtype=np.float32))
    np.save(f"{out}/G.npy", np.array(g, dtype=np.float64))
    np.savetxt(f"{out}/P.txt", np.array(pl), fmt="%d")
    np.savetxt(f"{out}/G.txt", np.array(gl), fmt="%d")


def identify(p_path, pl_path, g_path, gl_path, ranks, out):
    p = np.load(p_path).astype(np.float64)
    g = np.load(g_path).astype(np.float64)
    p = p / np.linalg.norm(p, axis=1, keepdims=True)
    g = g / np.linalg.norm(g, axis=1, keepdims=True)
    pl = np.loadtxt(pl_path, dtype=np.int64, ndmin=1)
    gl = np.loadtxt(gl_path, dtype=np.int64, ndmin=1)
    s = p @ g.T
    firsts, aps, skipped, tied = [], [], 0, 0
    index = np.arange(len(g))
    for i in range(len(p)):
        rel = (gl == pl[i]) & (gl != -100)
        if not rel.any():
            skipped += 1
            continue
        order = np.lexsort((index, -s[i]))                    # score descending, then gallery index
        hit_ranks = np.nonzero(rel[order])[0] + 1
        firsts.append(int(hit_ranks[0]))
        aps.append(float(np.mean(np.arange(1, len(hit_ranks) + 1) / hit_ranks)))
        top = s[i][rel].max()
        tied += int(np.sum(s[i] == top) > 1)
    firsts = np.array(firsts)
    depth = min(len(g), max(100, max(ranks)))
    result = {f"rank{k}": float(np.mean(firsts <= k)) for k in ranks}
    result.update({
        "map": float(np.mean(aps)), "probes": len(p), "gallery": len(g),
        "distractors": int(np.sum(gl == -100)), "probes_evaluated": len(firsts),
        "probes_without_match": skipped, "cmc": [float(np.mean(firsts <= r)) for r in range(1, depth + 1)],
        "first_ranks": firsts.tolist(), "aps": aps, "probes_with_tied_best_match": tied,
        "probes_with_several_matches": int(sum(((gl == l) & (gl != -100)).sum() > 1 for l in pl)),
    })
    json.dump(result, open(out, "w"))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "make-verify":
        make_verify(args[0], int(args[1]))
    elif cmd == "make-identify":
        make_identify(args[0], int(args[1]))
    elif cmd == "verify":
        verify(*args)
    elif cmd == "identify":
        identify(args[0], args[1], args[2], args[3], [int(k) for k in args[4].split(",")], args[5])
    else:
        sys.exit(f"unknown command {cmd}")
