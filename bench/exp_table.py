"""Coefficients of the f32 exp polynomial in crates/downhill/src/batch/lanes.rs (EXP_F32): the minimax (Remez
exchange) polynomial c0 + c1 r + c2 r^2 + c3 r^3 for relative error on |r| <= ln2/16 (with a hair of margin for
the rounded reduction), next to a table of 2^(j/8). All four coefficients are free, unlike bench/exp_remez.py's
(c0 = 1 there): with c0 fixed, a degree-3 fit cannot equioscillate around r = 0 and lands at 8.5e-7. Prints the
worst relative error, the coefficients rounded to f32 (lowest power first) and the worst error with those.
Needs mpmath and numpy: python3 bench/exp_table.py"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
a = mp.log(2) / 16 * (1 + mp.mpf("1e-3"))
n = 3
m = n + 1
pts = [a * mp.cos(mp.pi * (m - i) / m) for i in range(m + 1)]
grid = [-a + 2 * a * j / 2000 for j in range(2001)]
for _ in range(40):
    A = mp.matrix(m + 1, m + 1)
    b = mp.matrix(m + 1, 1)
    for i, r in enumerate(pts):
        w = mp.exp(-r)
        for k in range(n + 1):
            A[i, k] = r**k * w
        A[i, m] = -((-1) ** i)
        b[i] = 1
    sol = mp.lu_solve(A, b)
    c = [sol[k] for k in range(n + 1)]
    vals = [mp.polyval(c[::-1], r) * mp.exp(-r) - 1 for r in grid]
    ext = [0] + [j for j in range(1, 2000) if (vals[j] - vals[j - 1]) * (vals[j + 1] - vals[j]) <= 0] + [2000]
    sel = []
    for j in ext:
        if sel and mp.sign(vals[j]) == mp.sign(vals[sel[-1]]):
            if abs(vals[j]) > abs(vals[sel[-1]]):
                sel[-1] = j
        else:
            sel.append(j)
    while len(sel) > m + 1:
        sel.pop(0) if abs(vals[sel[0]]) < abs(vals[sel[-1]]) else sel.pop()
    if len(sel) < m + 1:
        break
    pts = [grid[j] for j in sel]
print("worst", mp.nstr(max(abs(v) for v in vals), 5))
c32 = [float(np.float32(float(x))) for x in c]
print("f32 coefficients", [repr(np.float32(x)) for x in c32])
rounded = [mp.mpf(x) for x in c32][::-1]
print("worst with them", mp.nstr(max(abs(mp.polyval(rounded, r) * mp.exp(-r) - 1) for r in grid), 5))
print("table", [repr(np.float32(2 ** (j / 8))) for j in range(8)])
