"""Split-half check of the alarm rule's label-chosen numbers (docs/detection.md, "Split halves").

The 51 files in name order are split into half A (1st, 3rd, ...) and half B (2nd, 4th, ...). Over a grid of the
numbers chosen on NAB's labels (tail probability, likelihood history, refractory period, recurrence tolerance and
repeats), the setting best on one half is scored on the other, and the defaults on each half are shown beside it.
Usage as replay.py (NAB_TRACE_DIR of a trace build; NumPy). The replay of the defaults must equal `evaluate nab`.
"""
import itertools, math, os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nabscore import load, probation, sigma, PROFILES

data = load()
TRACE = os.environ['NAB_TRACE_DIR']
T = {n: np.loadtxt(os.path.join(TRACE, n.replace('/', '_') + '.trace'), delimiter=',') for n, _, _ in data}
NAMES = [n for n, _, _ in data]
HALF = {'A': NAMES[0::2], 'B': NAMES[1::2]}
DEFAULT = dict(eps=1e-4, hist=2000, refr=100, tol=0.1, rep=2)
GRID = dict(eps=[1e-3, 3e-4, 1e-4, 3e-5, 1e-5], hist=[1000, 1500, 2000, 3000, 5000, 8640], refr=[50, 100, 150, 200],
            tol=[0.0, 0.05, 0.1, 0.15, 0.2], rep=[1, 2, 3])


def tails(x, long, short=10, minh=100, minmean=0.03, minvar=0.0003):
    """AnomalyLikelihood's upper tail probability of the short average, row by row (1 before the history is long enough)."""
    out = np.ones(len(x))
    buf, learned, mean, var, alpha = [], 0, 0.0, 0.0, 2 / (long + 1)
    for i, v in enumerate(x):
        if not math.isfinite(v):
            continue
        buf.append(v)
        if len(buf) > short:
            buf.pop(0)
        avg = sum(buf) / len(buf)
        if learned >= minh:
            out[i] = 0.5 * math.erfc((avg - max(mean, minmean)) / math.sqrt(max(var, minvar)) / math.sqrt(2))
        learned += 1
        w = max(1 / learned, alpha)
        d = avg - mean
        mean += w * d
        var = (1 - w) * (var + w * d * d)
    return out


def onsets(tail, training_rows, eps, clear=0.5):
    """Onset rows of one likelihood: tail <= its level outside a run; a run ends at the first row with tail >= clear;
    the level is eps on the training rows and eps / (1 + training onsets) after them (CalibrateOnNormalRows)."""
    clears = np.flatnonzero(tail >= clear)
    out, k, run_end = [], 0, -1
    for i in np.flatnonzero(tail <= eps):
        if i <= run_end:
            continue
        if tail[i] > (eps if i < training_rows else eps / (1 + k)):
            continue
        out.append(int(i))
        k += i < training_rows
        j = np.searchsorted(clears, i)
        run_end = clears[j] if j < len(clears) else len(tail)
    return out


CACHE = {}


def file_tails(name, hist):
    key = (name, hist)
    if key not in CACHE:
        a = T[name]
        CACHE[key] = (tails(a[:, 1], hist), tails(a[:, 2], hist) if a[0, 3] == 1 else None)
    return CACHE[key]


def alarms(name, eps, hist, refr, tol, rep, same=10):
    a = T[name]
    training = int(a[:, 0].sum())
    st, ct = file_tails(name, hist)
    on = set(onsets(st, training, eps))
    if ct is not None:
        on |= set(onsets(ct, training, eps))
    on |= set(np.flatnonzero(a[:, 4] == 1).tolist())
    warm = a[:, 5] == 1
    rows = sorted(i for i in on if warm[i])
    out = np.zeros(len(a), bool)
    starts, last, routine, since_alarm = [], -1, False, None
    for i in rows:
        news = True
        if tol > 0:
            if last >= 0 and i - last <= same:
                last = i
                news = not routine
            else:
                last = i
                starts = (starts + [i])[-(rep + 2):]
                e = starts
                routine = len(e) == rep + 2 and all(
                    e[k - 1] - e[k - 2] >= refr and abs((e[k] - e[k - 1]) - (e[k - 1] - e[k - 2])) <= tol * (e[k - 1] - e[k - 2])
                    for k in range(2, len(e)))
                news = not routine
        if news and (since_alarm is None or i - since_alarm > refr):
            out[i] = True
            since_alarm = i
    return out


def score_file(alarms, ws, prof):
    """nabscore.score_file over the alarm rows only (same rules, same result)."""
    _, tp, fp, fn = prof
    n = len(alarms); p = probation(n); maxtp = sigma(-1)
    best = [None] * len(ws); fs = 0.0; nf = 0; nxt = 0
    for i in np.flatnonzero(alarms):
        if i < p:
            continue
        while nxt < len(ws) and ws[nxt][1] < i:
            nxt += 1
        if nxt < len(ws) and ws[nxt][0] <= i:
            a, b = ws[nxt]; w = b - a + 1
            r = tp * sigma(-(b - i + 1) / w) / maxtp
            best[nxt] = r if best[nxt] is None else max(best[nxt], r)
            continue
        nf += 1
        if nxt == 0:
            fs -= fp
        else:
            a, b = ws[nxt - 1]; fs += fp * sigma(abs(i - b) / max(1, b - a))
    sc = det = 0; tot = fs
    for k, (a, b) in enumerate(ws):
        if b < p:
            continue
        sc += 1
        if best[k] is not None:
            det += 1; tot += best[k]
        else:
            tot -= fn
    return tot, sc, det, nf, None, None


def score(files, setting):
    res = []
    for prof in PROFILES:
        S = W = D = F = 0
        for name, vals, ws in data:
            if name not in files:
                continue
            t, sc, det, nf, _, _ = score_file(ALARMS[(name,) + tuple(setting.values())], ws, prof)
            S += t; W += sc; D += det; F += nf
        res.append(100 * (S + prof[3] * W) / (prof[1] * W + prof[3] * W))
    return res, D, F


ALARMS = {}


def run(setting):
    for name in NAMES:
        key = (name,) + tuple(setting.values())
        if key not in ALARMS:
            ALARMS[key] = alarms(name, **setting)


def fmt(r):
    (s, lfp, lfn), d, f = r
    return f'{s:6.2f} / {lfp:6.2f} / {lfn:6.2f} ({d}, {f})'


if __name__ == '__main__':
    run(DEFAULT)
    print('defaults, whole corpus (must equal evaluate nab):', fmt(score(set(NAMES), DEFAULT)))
    for h in 'AB':
        print(f'defaults on half {h}:', fmt(score(set(HALF[h]), DEFAULT)))
    # One number at a time around the defaults (how each was chosen), then the grid of all five.
    settings = [dict(DEFAULT, **{k: v}) for k, vs in GRID.items() for v in vs]
    settings += [dict(zip(GRID, c)) for c in itertools.product(*GRID.values())] if os.environ.get('FULL_GRID') else []
    for s in settings:
        run(s)
    for h, other in (('A', 'B'), ('B', 'A')):
        best = max(settings, key=lambda s: score(set(HALF[h]), s)[0][0])
        print(f'chosen on half {h}: {best}: half {h} {fmt(score(set(HALF[h]), best))}; half {other} {fmt(score(set(HALF[other]), best))}'
              f' (defaults on {other}: {fmt(score(set(HALF[other]), DEFAULT))})')
    cats = sorted({n.split('/')[0] for n in NAMES if any(ws for m, _, ws in data if m == n)})
    print('one number at a time, standard profile per category (' + ' | '.join(cats) + '; artificialNoAnomaly: false alarms):')
    for s in [dict(DEFAULT, **{k: v}) for k, vs in GRID.items() for v in vs if v != DEFAULT[k]]:
        fa = sum(ALARMS[(n,) + tuple(s.values())].sum() for n in NAMES if n.startswith('artificialNoAnomaly'))
        print(' ', {k: v for k, v in s.items() if v != DEFAULT[k]}, '|',
              ' | '.join(f"{score({n for n in NAMES if n.startswith(c)}, s)[0][0] - score({n for n in NAMES if n.startswith(c)}, DEFAULT)[0][0]:+.2f}" for c in cats), '|', fa)
    print('one number at a time (half A | half B):')
    for s in settings:
        print(' ', {k: v for k, v in s.items() if v != DEFAULT[k]} or 'defaults', '|', fmt(score(set(HALF['A']), s)), '|', fmt(score(set(HALF['B']), s)))
