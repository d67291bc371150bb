#!/usr/bin/env python3
"""mutant:tokeninfo-in-url: python-minimal, but it checks every new access
token with `GET /tokeninfo?access_token=...`, the token in the URL, where
proxies and servers log it (no_token_leak through the provider's journal:
the harness never sees this process's URLs itself). The harness runs it
from a folder where `../python-minimal/broker.py` is the python-minimal
example."""

import importlib.util
import os
import urllib.parse
import urllib.request

_HERE = os.path.dirname(os.path.abspath(__file__))
_SPEC = importlib.util.spec_from_file_location(
    "python_minimal", os.path.join(_HERE, "..", "python-minimal", "broker.py"))
minimal = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(minimal)


class Broker(minimal.Broker):
    def _refresh(self, account, slot):
        token = super()._refresh(account, slot)
        base = self.token_url.rsplit("/", 1)[0]
        query = urllib.parse.urlencode({"access_token": token})
        try:
            with urllib.request.urlopen(f"{base}/tokeninfo?{query}", timeout=5) as answer:
                answer.read()
        except OSError:
            pass
        return token


if __name__ == "__main__":
    minimal.Broker = Broker
    minimal.Server().run()
