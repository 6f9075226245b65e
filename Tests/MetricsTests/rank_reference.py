"""Replays a FaceNAS ranking study's statistics with scipy and numpy (issue 21, acceptance 1).

Reads a study report.json (or one shaped like it): networks[].reference_score, budgets[] with
scores, kendall_tau_b, spearman_rho and their *_95 intervals, and bootstrap.resamples. Recomputes
tau-b with scipy.stats.kendalltau, rho with scipy.stats.spearmanr, and each interval with numpy
over the same resample indices (undefined resamples dropped, numpy's linear percentiles), and
prints the largest absolute difference. Usage: rank_reference.py REPORT.json
"""
import json
import sys
import warnings

import numpy as np
from scipy import stats

warnings.simplefilter("ignore")  # constant resamples: scipy warns and returns nan, as expected


def tau(x, y):
    return stats.kendalltau(x, y, variant="b").statistic


def rho(x, y):
    return stats.spearmanr(x, y).statistic


def interval(values, level):
    v = np.asarray([x for x in values if not np.isnan(x)])
    if v.size == 0:
        return None
    return np.percentile(v, [100 * (1 - level) / 2, 100 * (1 + level) / 2])


def main(path):
    report = json.load(open(path))
    ref = np.array([n["reference_score"] for n in report["networks"]], dtype=np.float64)
    boot = report["bootstrap"]
    idx = np.array(boot["resamples"], dtype=np.int64)
    worst, checked = 0.0, 0
    for b in report["budgets"]:
        x = np.array(b["scores"], dtype=np.float64)
        for name, fn, key in (("tau", tau, "kendall_tau_b"), ("rho", rho, "spearman_rho")):
            want = fn(ref, x)
            got = b[key]
            if np.isnan(want):
                assert got is None or np.isnan(got), f"{b['budget']} {name}: scipy nan, facenas {got}"
            else:
                worst = max(worst, abs(want - got)); checked += 1
            ci = interval([fn(ref[r], x[r]) for r in idx], boot["level"])
            mine = b.get(key + "_95")
            if ci is None:
                assert mine is None, f"{b['budget']} {name}: no defined resample, facenas {mine}"
            else:
                worst = max(worst, float(np.max(np.abs(ci - np.array(mine))))); checked += 2
    print(f"checked {checked} values; max abs difference {worst:.3e}")


if __name__ == "__main__":
    main(sys.argv[1])
