"""A broken mail broker for the email checkers' tests: runs a real broker
(the command after the flaw) and relays the protocol both ways, except that
`synced_ids` answers are doctored as the flaw says:

  duplicate  the first stored id is listed twice (a row stored twice)
  drop       the last stored id is missing (a message never stored)

Usage: python3 mail_flaw_proxy.py FLAW COMMAND [ARGS...]
"""

import json
import subprocess
import sys
import threading

flaw = sys.argv[1]
broker = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
asked = set()
lock = threading.Lock()


def relay_answers():
    for line in broker.stdout:
        answer = json.loads(line)
        with lock:
            doctor = answer.get("id") in asked
            asked.discard(answer.get("id"))
        ids = answer.get("result", {}).get("ids") if doctor else None
        if ids:
            if flaw == "duplicate":
                ids.append(ids[0])
            elif flaw == "drop":
                ids.pop()
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def relay_requests():
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("method") == "synced_ids":
            with lock:
                asked.add(request.get("id"))
        broker.stdin.write(line)
        broker.stdin.flush()
    broker.stdin.close()


# The proxy lives as long as the broker's stdout: when the broker exits
# (after `shutdown`), so does the proxy.
threading.Thread(target=relay_requests, daemon=True).start()
relay_answers()
broker.wait()
