# A typical piece of model-written code: compute something, use the standard library, write and
# read a scratch file in /tmp, and print a JSON answer. Runs inside the sandbox, as uid 1000.
import json, os, sqlite3, statistics, time

t0 = time.perf_counter()
primes = [n for n in range(2, 20000) if all(n % d for d in range(2, int(n ** 0.5) + 1))]

db = sqlite3.connect("/tmp/scratch.db")
db.execute("create table p (n integer)")
db.executemany("insert into p values (?)", [(p,) for p in primes])
count = db.execute("select count(*) from p").fetchone()[0]

print(json.dumps({
    "primes_below_20000": count,
    "median_prime": statistics.median(primes),
    "uid": os.getuid(),
    "hostname": os.uname().nodename,
    "network_interfaces": sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else [],
    "compute_ms": round((time.perf_counter() - t0) * 1000, 1),
}, indent=2))
