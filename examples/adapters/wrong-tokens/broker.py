#!/usr/bin/env python3
"""A control broker that answers promptly with tokens that are not the account's.

It is python-minimal (../python-minimal/broker.py) with one flaw, chosen by
its one argument:

- `--forge`: every `access_token` call is answered at once with a
  well-formed `ya29.` string made up here; the provider is never asked.
- `--one-slot`: one token cache for the whole broker, keyed by nothing:
  every account is served the token refreshed for the first account asked
  for (while that one is fresh, it is what everyone gets).

Every call is "served" and `status` stays green, so only a harness that
checks whose token each answer is can fail it. Run it:

    oauth-chaos run scenarios/ --broker 'cmd:python3 examples/adapters/wrong-tokens/broker.py --forge'
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-minimal"))

import broker as minimal  # noqa: E402  (python-minimal's module)


class ForgingBroker(minimal.Broker):
    def access_token(self, account, rejected=None):
        if account not in self.accounts:
            raise minimal.BrokerError("unknown_account", f"unknown account {account}")
        local = account.split("@", 1)[0]
        return f"ya29.a0AfB_placeholder-{local}-" + "0" * 40


class OneSlotBroker(minimal.Broker):
    def __init__(self, params):
        super().__init__(params)
        self.first_account = None

    def access_token(self, account, rejected=None):
        if account not in self.accounts:
            raise minimal.BrokerError("unknown_account", f"unknown account {account}")
        if self.first_account is None:
            self.first_account = account
        return super().access_token(self.first_account, rejected)


FLAWS = {"--forge": ForgingBroker, "--one-slot": OneSlotBroker}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in FLAWS:
        print(f"usage: broker.py {' | '.join(FLAWS)}", file=sys.stderr)
        sys.exit(2)
    minimal.Broker = FLAWS[sys.argv[1]]
    minimal.Server().run()
