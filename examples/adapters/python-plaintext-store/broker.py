#!/usr/bin/env python3
"""A control broker: right in everything the harness checks but one.

It is the python-minimal adapter (`../python-minimal/broker.py`: a token
cache, single flight, proactive refresh, no retry after invalid_grant) with
a durable store, so it survives the harness's kill -9. Its one flaw is on
purpose: it writes refresh and access tokens into that store in plaintext,
as many small brokers do. `no_token_leak` must fail it on the store
scenarios (`real-tokens-at-rest-sqlite`, `real-tokens-at-rest-file`) and
every other invariant must pass; the reference broker, which seals its
records, passes the same scenarios. Standard library only (`sqlite3`).

    oauth-chaos run scenarios/real-tokens-at-rest-sqlite.toml \
      --broker 'cmd:python3 examples/adapters/python-plaintext-store/broker.py'

Stores: `sqlite:PATH` (one table, WAL mode) and `file:DIR` (one JSON file
per account, written through a temp file and a rename); `memory` keeps
nothing. Anything else is declined as unsupported.
"""

import importlib.util
import json
import os
import sqlite3
import threading

_HERE = os.path.dirname(os.path.abspath(__file__))
_SPEC = importlib.util.spec_from_file_location(
    "python_minimal", os.path.join(_HERE, "..", "python-minimal", "broker.py"))
minimal = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(minimal)

# What is kept of an account, as the harness's kill -9 must find it again.
FIELDS = ("refresh_token", "access_token", "expires_at", "margin", "state")


class SqliteStore:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS grants (account TEXT PRIMARY KEY, record TEXT NOT NULL)")

    def load(self, account):
        with self.lock:
            row = self.db.execute("SELECT record FROM grants WHERE account = ?", (account,)).fetchone()
        return json.loads(row[0]) if row else None

    def save(self, account, grant):
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO grants (account, record) VALUES (?, ?)",
                            (account, json.dumps(grant)))


class FileStore:
    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        os.makedirs(directory, exist_ok=True)

    def _path(self, account):
        return os.path.join(self.directory, account.replace("/", "_") + ".json")

    def load(self, account):
        try:
            with open(self._path(account), encoding="utf-8") as file:
                return json.load(file)
        except (OSError, ValueError):
            return None

    def save(self, account, grant):
        path = self._path(account)
        with self.lock:
            with open(path + ".tmp", "w", encoding="utf-8") as file:
                json.dump(grant, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(path + ".tmp", path)


class MemoryStore:
    def load(self, account):
        return None

    def save(self, account, grant):
        pass


def open_store(kind):
    if kind == "memory":
        return MemoryStore()
    if kind.startswith("sqlite:"):
        return SqliteStore(kind[len("sqlite:"):])
    if kind.startswith("file:"):
        return FileStore(kind[len("file:"):])
    # Only the part before the first colon: the rest may hold a password.
    raise minimal.BrokerError("unsupported", f"store kind {kind.split(':')[0]!r} is not supported",
                              code=-32602)


class Broker(minimal.Broker):
    def __init__(self, params):
        self.store = open_store((params.get("store") or {}).get("kind", "memory"))
        super().__init__(dict(params, store={"kind": "memory"}))
        for account, slot in self.accounts.items():
            saved = self.store.load(account)
            if saved:
                # After a kill -9: what the store holds wins over `accounts`.
                slot.update({field: saved[field] for field in FIELDS if field in saved})
            else:
                self._persist(account, slot)

    def _persist(self, account, slot):
        self.store.save(account, {field: slot[field] for field in FIELDS})

    def _refresh(self, account, slot):
        try:
            return super()._refresh(account, slot)
        finally:
            self._persist(account, slot)


def log(message):
    print(f"python-plaintext-store: {message}", file=minimal.sys.stderr, flush=True)


if __name__ == "__main__":
    minimal.Broker = Broker
    minimal.log = log
    minimal.Server().run()
