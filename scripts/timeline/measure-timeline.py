#!/usr/bin/env python3
"""Measures what libfaketime does to a threaded Python and a Node process:
the figures behind "The process timeline" in docs/ARCHITECTURE.md.

    python3 scripts/timeline/measure-timeline.py [--jumps 50]

For each runtime it starts probe.py / probe.js (4 threads reading the wall
clock) under libfaketimeMT in three set-ups and prints one table:

- wall: the harness's set-up (offset file, FAKETIME_NO_CACHE=1,
  FAKETIME_DONT_FAKE_MONOTONIC=1). The offset is moved forward by an hour
  `--jumps` times (rename of the file, as the harness does); after each
  jump 4 threads read the clock 2,000 times each. "escaped" counts jumps
  after which any read was still on the old timeline.
- monotonic: the same without FAKETIME_DONT_FAKE_MONOTONIC: is a 100 ms
  timed wait (threading.Event.wait, setTimeout) still 100 ms, or does it
  hang (5 s limit)?
- speed x60: a speed factor instead of jumps (`+0 x60`): how long does a
  fixed piece of per-call work (5 ms of CPU without preload) look on the
  process's own wall clock?
"""
import argparse, os, subprocess, sys, time, tempfile, glob

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIMES = {"python (4 threads)": ["python3", os.path.join(HERE, "probe.py")],
            "node (4 workers)": ["node", os.path.join(HERE, "probe.js")]}


def libfaketime():
    found = os.environ.get("OAUTH_CHAOS_LIBFAKETIME") or next(iter(
        sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1")) +
        sorted(glob.glob("/usr/lib/faketime/libfaketimeMT.so.1"))), None)
    if not found:
        sys.exit("libfaketimeMT.so.1 not found: run scripts/install-faketime.sh")
    return found


class Probe:
    def __init__(self, argv, env):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env={**os.environ, **env})

    def ask(self, line, limit=5.0):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(limit):
            return None
        return self.proc.stdout.readline().strip()

    def close(self):
        self.proc.kill()
        self.proc.wait()


def write_offset(path, text):
    with open(path + ".new", "w") as f:
        f.write(text + "\n")
    os.rename(path + ".new", path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jumps", type=int, default=50)
    args = parser.parse_args()
    lib = libfaketime()
    rows = []
    for name, argv in RUNTIMES.items():
        bare = Probe(argv, {})
        cost_bare = bare.ask("cost 200000")
        spin_bare = bare.ask("spin 5")
        bare.close()
        with tempfile.TemporaryDirectory() as tmp:
            rc = os.path.join(tmp, "faketimerc")
            write_offset(rc, "+0")
            base = {"LD_PRELOAD": lib, "FAKETIME_TIMESTAMP_FILE": rc, "FAKETIME_NO_CACHE": "1"}
            wall = Probe(argv, {**base, "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
            wall.ask("read 10")
            escaped = 0
            for jump in range(1, args.jumps + 1):
                write_offset(rc, f"+{jump * 3600}")
                asked = time.time()
                lo, hi = map(float, wall.ask("read 2000").split())
                if lo < asked + jump * 3600 - 0.5:
                    escaped += 1
            cost_wall = wall.ask("cost 200000")
            wait_wall = wall.ask("wait 100")
            sleep_wall = wall.ask("sleep 100") or "no answer in 5 s"
            wall.close()
            write_offset(rc, "+3600")
            mono = Probe(argv, base)
            sleep_mono = mono.ask("sleep 100") or "no answer in 5 s"
            wait_mono = mono.ask("wait 100") or "no answer in 5 s"
            mono.close()
            write_offset(rc, "+0 x60")
            fast = Probe(argv, {**base, "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
            spin_fast = fast.ask("spin 5")
            fast.close()
        rows.append((name, args.jumps, escaped,
                     cost_bare, cost_wall, wait_wall, sleep_wall, wait_mono, sleep_mono,
                     spin_bare, spin_fast))
    header = ("runtime", "jumps", "jumps after which a read was on the old timeline",
              "ns/read bare", "ns/read preloaded", "100 ms timed wait (wall set-up), ms",
              "100 ms sleep (wall set-up), ms", "100 ms timed wait (monotonic faked), ms",
              "100 ms sleep (monotonic faked), ms", "5 ms work bare, ms", "same work at x60, wall ms")
    for row in rows:
        print("\n".join(f"{h}: {v}" for h, v in zip(header, row)))
        print()


if __name__ == "__main__":
    main()
