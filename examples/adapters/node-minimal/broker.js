#!/usr/bin/env node
// A minimal token broker in Node (20+, no dependencies) speaking the
// oauth-chaos process protocol at level 2 (docs/PROTOCOL.md): initialize,
// access_token, status, shutdown. It caches each account's token,
// refreshes 300 s before expiry (google-auth-library's default margin, or a
// quarter of a short token's life), shares one refresh among concurrent
// callers (one promise per account) and stops after invalid_grant.
//
//   oauth-chaos run scenarios/ --broker 'cmd:node examples/adapters/node-minimal/broker.js'
//
// Every expiry decision reads Date.now(), the wall clock the harness moves
// (docs/PROTOCOL.md, "Time"). Logs go to stderr and never hold a token.
"use strict";

const readline = require("node:readline");

const REFRESH_MARGIN_MS = 300_000;
const HTTP_TIMEOUT_MS = 10_000;

function log(message) {
  process.stderr.write(`node-minimal: ${message}\n`);
}

class BrokerError extends Error {
  constructor(kind, message, code = -32000) {
    super(message);
    this.kind = kind;
    this.code = code;
  }
}

class Broker {
  constructor(params) {
    const kind = (params.store || {}).kind || "memory";
    if (kind !== "memory") {
      // Only the scheme: the rest may be a database URL with a password.
      const scheme = kind.split(":", 1)[0];
      throw new BrokerError("unsupported", `store kind \`${scheme}\` is not supported (memory only)`, -32602);
    }
    this.tokenUrl = params.provider.token_url;
    // The scenario's client timeout when the harness sends one.
    this.httpTimeoutMs = params.http_timeout_ms ?? HTTP_TIMEOUT_MS;
    this.clientId = params.client.id;
    this.clientSecret = params.client.secret;
    this.accounts = new Map();
    for (const entry of params.accounts || []) {
      this.accounts.set(entry.account, {
        refreshToken: entry.refresh_token,
        accessToken: null,
        expiresAt: 0,
        margin: REFRESH_MARGIN_MS,
        state: "no_token",
        flight: null,
      });
    }
  }

  async accessToken(account, rejected) {
    const slot = this.accounts.get(account);
    if (!slot) throw new BrokerError("unknown_account", "no such account");
    if (slot.state === "needs_reauth") {
      throw new BrokerError("revoked", `the grant for ${account} was refused`);
    }
    if (rejected && slot.accessToken === rejected) {
      slot.accessToken = null;
    }
    if (slot.accessToken && Date.now() < slot.expiresAt - slot.margin) {
      return slot.accessToken;
    }
    if (!slot.flight) {
      slot.flight = this.refresh(account, slot).finally(() => {
        slot.flight = null;
      });
    }
    return slot.flight;
  }

  async refresh(account, slot) {
    const body = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: slot.refreshToken,
      client_id: this.clientId,
      client_secret: this.clientSecret,
    });
    const sentAt = Date.now();
    let response;
    let answer;
    try {
      response = await fetch(this.tokenUrl, {
        method: "POST",
        body,
        signal: AbortSignal.timeout(this.httpTimeoutMs),
      });
      answer = await response.json();
    } catch (error) {
      log(`refresh for ${account} failed: ${error.name}`);
      slot.state = "degraded";
      throw new BrokerError("transient", "could not reach the token endpoint");
    }
    if (!response.ok) {
      const code = (answer && answer.error) || "";
      log(`refresh for ${account} failed with http ${response.status} ${code}`);
      if (["invalid_grant", "invalid_client", "unauthorized_client"].includes(code)) {
        slot.state = "needs_reauth";
        slot.accessToken = null;
        throw new BrokerError("revoked", `the provider refused the grant for ${account}`);
      }
      slot.state = "degraded";
      throw new BrokerError("transient", `token endpoint answered http ${response.status}`);
    }
    const lifetimeMs = Number(answer.expires_in) * 1000;
    slot.accessToken = answer.access_token;
    slot.expiresAt = sentAt + lifetimeMs;
    slot.margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 4);
    slot.state = "ok";
    log(`refreshed ${account}`);
    return slot.accessToken;
  }

  status() {
    const accounts = [...this.accounts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([account, slot]) => ({ account, state: slot.state }));
    return { accounts };
  }
}

let broker = null;

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

async function handle(request) {
  const id = request.id;
  const params = request.params || {};
  try {
    let result;
    switch (request.method) {
      case "initialize":
        broker = new Broker(params);
        result = { capabilities: ["access_token", "status"], name: "node-minimal" };
        break;
      case "access_token":
        if (!broker) throw new BrokerError("not_initialized", "call initialize first");
        result = { access_token: await broker.accessToken(params.account, params.rejected) };
        break;
      case "status":
        if (!broker) throw new BrokerError("not_initialized", "call initialize first");
        result = broker.status();
        break;
      case "shutdown":
        result = {};
        break;
      default:
        send({ jsonrpc: "2.0", id, error: { code: -32601, message: `method ${request.method} is not supported` } });
        return;
    }
    send({ jsonrpc: "2.0", id, result });
  } catch (error) {
    if (error instanceof BrokerError) {
      send({ jsonrpc: "2.0", id, error: { code: error.code, message: error.message, data: { kind: error.kind } } });
    } else {
      send({ jsonrpc: "2.0", id, error: { code: -32602, message: `bad params: ${error.name}` } });
    }
  }
}

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (!line.trim()) return;
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "not JSON" } });
    return;
  }
  if (request.method === "shutdown") {
    handle(request).then(() => process.exit(0));
    return;
  }
  handle(request);
});
lines.on("close", () => process.exit(0));
