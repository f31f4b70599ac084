# Reference figures for the RapportAudience tests, computed with pandas (see README.md).
import pandas as pd, numpy as np, sys
# 1) qcut(rank(method="first"), 5) bin sizes for n customers: labels are monotone in rank, so sizes define them.
with open("qcut5-sizes.txt","w") as f:
    f.write("# n c1 c2 c3 c4 c5: how many of ranks 1..n pandas.qcut(ranks, 5, labels=[1..5]) puts in each label (pandas %s, numpy %s)\n" % (pd.__version__, np.__version__))
    ns = list(range(2, 402)) + [1000, 1001, 2357, 2358, 23570, 23571, 100001, 2357000, 2357001]
    for n in ns:
        s = pd.Series(np.arange(1, n+1, dtype=float))
        lab = pd.qcut(s, 5, labels=[1,2,3,4,5]).astype(int)
        c = np.bincount(lab, minlength=6)[1:]
        f.write("%d %s\n" % (n, " ".join(map(str, c))))
# 2) RFM of CDNOW_sample as of 1998-07-01
cols=["master","sample","date","cds","dollars"]
df = pd.read_csv(sys.argv[1], sep=r"\s+", header=None, names=cols, dtype={"master":str,"sample":str,"date":str})
df["day"] = pd.to_datetime(df["date"], format="%Y%m%d")
asof = pd.Timestamp("1998-07-01")
g = df.groupby("master")
rfm = pd.DataFrame({
    "recency": (asof - g["day"].max()).dt.days,
    "frequency": g["day"].nunique(),
    "monetary": g["dollars"].sum().round(2),
}).sort_index()
rfm["r"] = pd.qcut(rfm["recency"].rank(method="first", ascending=False), 5, labels=[1,2,3,4,5]).astype(int)
rfm["f"] = pd.qcut(rfm["frequency"].rank(method="first"), 5, labels=[1,2,3,4,5]).astype(int)
rfm["m"] = pd.qcut(rfm["monetary"].rank(method="first"), 5, labels=[1,2,3,4,5]).astype(int)
with open("cdnow-sample-rfm-1998-07-01.csv","w") as f:
    f.write("customer,recency,frequency,monetary,r,f,m\n")
    for cid, row in rfm.iterrows():
        f.write("%s,%d,%d,%.2f,%d,%d,%d\n" % (cid, row.recency, row.frequency, row.monetary, row.r, row.f, row.m))
print(len(rfm), "customers")
