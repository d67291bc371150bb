"""Clock probe for measure-timeline.py: a threaded Python process.

Each line on stdin is a command; the answer is one line on stdout.
  read N      -> 4 threads each read time.time() N times; prints min/max seen
  cost N      -> ns per time.time() call over N calls
  wait MS     -> threading.Event().wait(MS/1000); prints real ms it took (monotonic)
  sleep MS    -> time.sleep(MS/1000), the same
  spin MS     -> burn CPU for MS of *real* time (perf_counter_ns under no
                 preload is the reference); prints the wall-clock ms the
                 process itself measured (time.time()), i.e. what a speed
                 factor makes of per-call processing
"""
import sys, threading, time

def read(n):
    seen = []
    def work():
        lo, hi = float("inf"), 0.0
        for _ in range(n):
            t = time.time()
            lo, hi = min(lo, t), max(hi, t)
        seen.append((lo, hi))
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    return f"{min(s[0] for s in seen):.6f} {max(s[1] for s in seen):.6f}"

def cost(n):
    start = time.perf_counter_ns()
    for _ in range(n):
        time.time()
    return f"{(time.perf_counter_ns() - start) / n:.0f}"

def wait(ms):
    start = time.monotonic()
    threading.Event().wait(ms / 1000)
    return f"{(time.monotonic() - start) * 1000:.1f}"

def nap(ms):
    start = time.monotonic()
    try:
        time.sleep(ms / 1000)
    except OSError as error:
        return f"time.sleep raised {error.strerror}"
    return f"{(time.monotonic() - start) * 1000:.1f}"

def spin(ms):
    # A fixed amount of work, calibrated by the caller in an unpreloaded run.
    start = time.time()
    x = 0
    for i in range(int(ms * 20000)):
        x += i
    return f"{(time.time() - start) * 1000:.1f}"

for line in sys.stdin:
    op, arg = line.split()
    out = {"read": read, "cost": cost, "wait": wait, "sleep": nap, "spin": spin}[op](
        float(arg) if op in ("wait", "sleep", "spin") else int(arg))
    print(out, flush=True)
