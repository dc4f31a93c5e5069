# A typical agent workload; prints one line per step and "suite ok" at the end. Any failure raises.
import json, re, sqlite3, subprocess, threading, multiprocessing, os, tempfile, hashlib, time

def square(x):
    return x * x

steps = []
steps.append(("json", json.loads(json.dumps({"a": [1, 2, 3]}))["a"][2] == 3))
steps.append(("re", re.sub(r"\d+", "#", "a1b22c333") == "a#b#c#"))
db = sqlite3.connect("/tmp/suite.db")
db.execute("create table if not exists t(x)")
db.executemany("insert into t values (?)", [(i,) for i in range(100)])
steps.append(("sqlite3", db.execute("select sum(x) from t").fetchone()[0] == 4950))
steps.append(("subprocess", subprocess.run(["echo", "hi"], capture_output=True, text=True).stdout == "hi\n"))
out = []
ts = [threading.Thread(target=lambda i=i: out.append(square(i))) for i in range(16)]
[t.start() for t in ts]
[t.join() for t in ts]
steps.append(("threading", sorted(out) == [i * i for i in range(16)]))
with multiprocessing.Pool(2) as pool:
    steps.append(("multiprocessing", pool.map(square, range(10)) == [i * i for i in range(10)]))
with tempfile.NamedTemporaryFile("w", dir="/tmp", delete=False) as f:
    f.write("x" * 100000)
steps.append(("tmp files", os.path.getsize(f.name) == 100000))
os.unlink(f.name)
pipe = subprocess.run("seq 1 1000 | grep 7 | sort -r | head -3 | wc -l", shell=True, capture_output=True, text=True)
steps.append(("shell pipeline", pipe.stdout.strip() == "3"))
steps.append(("hashlib", hashlib.sha256(b"x").hexdigest().startswith("2d711642")))
steps.append(("time", time.monotonic() > 0))
for name, ok in steps:
    print(name, "ok" if ok else "FAILED")
print("suite ok" if all(ok for _, ok in steps) else "suite FAILED")
