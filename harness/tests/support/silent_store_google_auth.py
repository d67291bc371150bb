#!/usr/bin/env python3
"""python-google-auth with one flaw: a refused store write is swallowed and
the account stays `ok`, as the 29-hour read-only-mount outage went unseen.
The control for outage_surfaced through the process path."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../../examples/adapters/python-google-auth"))
import broker  # noqa: E402

_save = broker.Account.save


def silent_save(self, name):
    _save(self, name)
    return True


broker.Account.save = silent_save
broker.Server().run()
