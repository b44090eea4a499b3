"""Coefficients of the exp polynomials in crates/downhill/src/batch/lanes.rs: the minimax (Remez exchange)
polynomial 1 + c1 r + ... + cn r^n for relative error on |r| <= ln2/2^(k+1) (with a hair of margin for the
rounded reduction), k = 0 without a table and k = 2 beside EXP_F64's table of 2^(j/4). Prints each degree's
worst relative error and its coefficients, lowest power first.
Needs mpmath: python3 bench/exp_remez.py [--table K] DEGREE...  (EXP_F64: --table 2 8)"""
import mpmath as mp, sys
mp.mp.dps = 50
def remez(n, a, iters=30):
    # p(r) = 1 + sum_{k=1..n} c_k r^k, minimise max relative error on [-a, a]
    m = n  # unknown c_1..c_n plus E -> n+1 points
    pts = [a * mp.cos(mp.pi * (m - i) / m) for i in range(m + 1)]
    for it in range(iters):
        A = mp.matrix(m + 1, m + 1); b = mp.matrix(m + 1, 1)
        for i, r in enumerate(pts):
            w = mp.exp(-r)
            for k in range(1, n + 1):
                A[i, k - 1] = r**k * w
            A[i, m] = -(-1)**i
            b[i] = 1 - w
        sol = mp.lu_solve(A, b)
        c = [mp.mpf(1)] + [sol[k] for k in range(n)]
        err = lambda r: (mp.polyval(c[::-1], r)) * mp.exp(-r) - 1
        # locate extrema on a fine grid
        N = 4000
        grid = [-a + 2 * a * j / N for j in range(N + 1)]
        vals = [err(r) for r in grid]
        ext = [0]
        for j in range(1, N):
            if (vals[j] - vals[j-1]) * (vals[j+1] - vals[j]) <= 0:
                ext.append(j)
        ext.append(N)
        # keep alternating extrema with largest |err|
        sel = []
        for j in ext:
            if sel and mp.sign(vals[j]) == mp.sign(vals[sel[-1]]):
                if abs(vals[j]) > abs(vals[sel[-1]]): sel[-1] = j
            else:
                sel.append(j)
        while len(sel) > m + 1:
            if abs(vals[sel[0]]) < abs(vals[sel[-1]]): sel.pop(0)
            else: sel.pop()
        if len(sel) < m + 1: break
        pts = [grid[j] for j in sel]
    return c, max(abs(v) for v in vals)
args = sys.argv[1:]
k = 0
if args[:1] == ["--table"]:
    k, args = int(args[1]), args[2:]
a = mp.log(2) / 2 ** (k + 1) * (1 + mp.mpf('1e-6'))
for n in map(int, args):
    c, e = remez(n, a)
    print(n, mp.nstr(e, 5))
    print([mp.nstr(x, 25) for x in c])
