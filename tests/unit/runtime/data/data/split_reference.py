# The split the data tests pin (DataSplitTest.SameSeedSameSplitOtherSeedOtherSplit), computed
# independently of the C++ code from the specification in runtime/include/ftp/data/Random.h.
# Run: python3 split_reference.py
# Independent reference of Random.h's spec (SplitMix64, rejection uniform, Fisher-Yates, streams).
M = (1 << 64) - 1
G = 0x9e3779b97f4a7c15
def mix(z):
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
    return z ^ (z >> 31)
class SM:
    def __init__(s, seed): s.s = seed & M
    def next(s):
        s.s = (s.s + G) & M
        return mix(s.s)
    def uniform(s, n):
        t = (2**64 - n) % n
        while True:
            r = s.next()
            if r >= t: return r % n
def stream(seed, t, k): return mix(mix(mix((seed + G) & M) ^ t) ^ k)
def shuffle(a, r):
    for i in range(len(a), 1, -1):
        j = r.uniform(i); a[i-1], a[j] = a[j], a[i-1]
# tableCsv
labels = []
counts = {'a':0,'b':0,'c':0}; lim = {'a':11,'b':7,'c':5}; pat = "abacab"
i = 0
while len(labels) < 23:
    l = pat[i % 6]
    if counts[l] == lim[l]:
        l = 'a' if counts['a'] < 11 else 'b' if counts['b'] < 7 else 'c'
    counts[l] += 1; labels.append(l); i += 1
import math
def apportion(total, fr):
    parts=[]; rem=[]
    for i,f in enumerate(fr):
        e = total*f; p = math.floor(e+1e-9); parts.append(p); rem.append((e-p, i))
    if abs(sum(fr)-1) < 1e-9:
        rem.sort(key=lambda x: -x[0])  # stable
        given = sum(parts); k = 0
        while given < total and k < len(rem): parts[rem[k][1]] += 1; k += 1; given += 1
    return parts
train = []
for k, l in enumerate('abc'):
    idx = [i for i, x in enumerate(labels) if x == l]
    shuffle(idx, SM(stream(5, 0, k)))
    sizes = apportion(len(idx), [0.5, 0.5])
    train += idx[:sizes[0]]
print(['t.csv:%d' % (i + 2) for i in sorted(train)])
print(hex(SM(0).next()))
