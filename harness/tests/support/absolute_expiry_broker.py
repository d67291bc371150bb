#!/usr/bin/env python3
"""The python-minimal adapter with one flaw, for the clock-skew tests.

It keeps expiry as an absolute instant on the provider's clock (the token
response's Date header plus expires_in) and compares it with its own wall
clock, as a broker does that stores an expiry computed on another machine.
A broker clock 10 minutes slow then serves dead tokens; 10 minutes fast, it
refreshes on every call.
"""

import email.utils
import importlib.util
import os
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
MINIMAL = os.path.join(HERE, "..", "..", "..", "examples", "adapters", "python-minimal", "broker.py")

spec = importlib.util.spec_from_file_location("minimal", MINIMAL)
minimal = importlib.util.module_from_spec(spec)
spec.loader.exec_module(minimal)

provider_date = [None]
plain_urlopen = urllib.request.urlopen


def urlopen_noting_date(*args, **kwargs):
    response = plain_urlopen(*args, **kwargs)
    date = response.headers.get("Date")
    if date:
        provider_date[0] = email.utils.parsedate_to_datetime(date).timestamp()
    return response


urllib.request.urlopen = urlopen_noting_date


class AbsoluteExpiryBroker(minimal.Broker):
    def _refresh(self, account, slot):
        before = time.time()
        token = super()._refresh(account, slot)
        lifetime = slot["expires_at"] - before
        if provider_date[0] is not None:
            # The flaw: the provider's clock plus expires_in, read against ours.
            slot["expires_at"] = provider_date[0] + lifetime
        return token


minimal.Broker = AbsoluteExpiryBroker

if __name__ == "__main__":
    minimal.Server().run()
