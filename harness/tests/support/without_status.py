#!/usr/bin/env python3
"""python-minimal with its `status` method removed: a level-1 broker.

The harness must still judge every invariant that does not need status
(retry_discipline, single_flight_refresh, availability) and call only
outage_surfaced unknown.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__),
                                "../../../examples/adapters/python-minimal"))
import broker as minimal  # noqa: E402


class WithoutStatus(minimal.Server):
    def handle(self, request):
        if request.get("method") == "status":
            self.send({"jsonrpc": "2.0", "id": request.get("id"), "error": {
                "code": -32601, "message": "method status is not supported"}})
            return
        super().handle(request)

    def send(self, message):
        result = message.get("result")
        if isinstance(result, dict) and "capabilities" in result:
            result["capabilities"] = [c for c in result["capabilities"] if c != "status"]
        super().send(message)


if __name__ == "__main__":
    WithoutStatus().run()
