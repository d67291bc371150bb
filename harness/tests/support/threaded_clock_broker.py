"""A broker that only reads its wall clock, from four threads at once.

Each `access_token` call starts four threads that each read time.time()
READS_PER_THREAD times, and answers, as its "access token",
`<reads> <escaped> <median unix seconds>`: a read is escaped when it is
more than 60 s from the median of all reads (under a 10-minute skew the
median is skewed and an escaped read is the real time). Used by
tests/process_clock_threads.rs.
"""
import json
import sys
import threading
import time

# Small enough that one call stays well inside the harness's 10 s call
# timeout on a loaded 2-core machine (100,000 reads per call did not);
# the test makes several calls instead.
READS_PER_THREAD = 5000
THREADS = 4


def clock_reads():
    reads = [[] for _ in range(THREADS)]

    def read(into):
        for _ in range(READS_PER_THREAD):
            into.append(time.time())

    threads = [threading.Thread(target=read, args=(r,)) for r in reads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = sorted(t for per_thread in reads for t in per_thread)
    median = every[len(every) // 2]
    escaped = sum(1 for t in every if abs(t - median) > 60)
    return f"{len(every)} {escaped} {int(median)}"


for line in sys.stdin:
    request = json.loads(line)
    if request.get("method") == "initialize":
        result = {"capabilities": ["access_token"]}
    else:
        result = {"access_token": clock_reads()}
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": request.get("id"), "result": result}) + "\n")
    sys.stdout.flush()
