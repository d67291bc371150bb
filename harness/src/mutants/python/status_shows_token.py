#!/usr/bin/env python3
"""mutant:status-shows-token: python-minimal, but `status` shows each
account's current access token, "for debugging" (no_token_leak's protocol
answer channel). The harness runs it from a folder where
`../python-minimal/broker.py` is the python-minimal example."""

import importlib.util
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
_SPEC = importlib.util.spec_from_file_location(
    "python_minimal", os.path.join(_HERE, "..", "python-minimal", "broker.py"))
minimal = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(minimal)


class Broker(minimal.Broker):
    def status(self):
        answer = super().status()
        for report in answer["accounts"]:
            report["access_token"] = self.accounts[report["account"]]["access_token"]
        return answer


if __name__ == "__main__":
    minimal.Broker = Broker
    minimal.Server().run()
