"""Replays `detect`'s default alarm rule (src/TwinGuard.Detection/Pipeline/AnomalyPipeline.Decide) over traced scores.

Usage: apply trace.patch to a scratch copy of the tree, build it, run
  NAB_TRACE_DIR=DIR twinguard evaluate nab --data ../shared/datasets/nab-dev
then  NAB_TRACE_DIR=DIR /usr/bin/python3 replay.py   (NumPy: Debian python3-numpy).
Each trace row: training?, state score, companion score (also where the companion is left out), companion used?,
outside range?, warm?, alarm. The replay must print the same figures as `evaluate nab` (69.67 / 57.00 / 75.66, 85, 235
on 2026-12-07); a variant is a change to LH or alarms() below.
"""
import math, os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nabscore import load, corpus, PROFILES

data = load()
TRACE = os.environ['NAB_TRACE_DIR']
T = {n: np.loadtxt(os.path.join(TRACE, n.replace('/', '_') + '.trace'), delimiter=',') for n, _, _ in data}


def upper(z):
    return 0.5 * math.erfc(z / math.sqrt(2))


class LH:
    """AnomalyLikelihood: short average vs exponentially weighted history, floors, deadband, calibration."""

    def __init__(s, eps=1e-4, short=10, long=8640, clear=0.5, minh=100, minmean=0.03, minvar=0.0003):
        s.eps, s.short, s.alpha, s.clear, s.minh, s.minmean, s.minvar = eps, short, 2 / (long + 1), clear, minh, minmean, minvar
        s.buf, s.learned, s.mean, s.var, s.inrun, s.onsets, s.tail, s.last = [], 0, 0.0, 0.0, False, 0, eps, 1.0

    def calibrate(s):
        s.tail = s.eps / (1 + s.onsets)

    def next(s, x):
        if not math.isfinite(x):
            return False
        s.buf.append(x)
        if len(s.buf) > s.short:
            s.buf.pop(0)
        avg = sum(s.buf) / len(s.buf)
        onset = False
        if s.learned >= s.minh:
            m = max(s.mean, s.minmean)
            d = math.sqrt(max(s.var, s.minvar))
            s.last = upper((avg - m) / d)
            if not s.inrun and s.last <= s.tail:
                onset, s.inrun = True, True
                s.onsets += 1
            elif s.inrun and s.last >= s.clear:
                s.inrun = False
        s.learned += 1
        w = max(1 / s.learned, s.alpha)
        dl = avg - s.mean
        s.mean += w * dl
        s.var = (1 - w) * (s.var + w * dl * dl)
        return onset


def alarms(a, refractory=100):
    training, state, companion, used, outside, warm = (a[:, k] for k in range(6))
    L, C = LH(), LH()
    since, calibrated = 10**18, False
    out = np.zeros(len(a), bool)
    for i in range(len(a)):
        if training[i] == 0 and not calibrated:
            L.calibrate(); C.calibrate(); calibrated = True
        c = C.next(companion[i]) if used[0] == 1 else False
        s = L.next(state[i])
        onset = (s or c or outside[i] == 1) and warm[i] == 1
        out[i] = onset and since > refractory
        since = 1 if out[i] else since + 1
    return out


if __name__ == '__main__':
    traced = {n: T[n][:, 6] == 1 for n, _, _ in data}
    print('traced alarms', corpus(traced, data))
    print('replayed     ', corpus({n: alarms(T[n]) for n, _, _ in data}, data))
