/* global require, exports, server, process, DENY */
/* eslint-disable @typescript-eslint/no-require-imports -- Haraka compiles plugins as CommonJS */
// Hooks: init_master, init_child (open the shared database client and resolver once per process), shutdown
// (wait for in-flight messages, close the client). Writes `OPSMERGE_MTA_READY <host:port>` to stdout once the
// listener is bound, which test/support/mta.ts and scripts/start.ts wait for: in cluster mode (SMTP_WORKERS > 1)
// each worker writes it, the primary (which listens on nothing itself) does not. Reads and writes no transaction
// results.
"use strict";
const { bridge } = require("./lib/bridge");

exports.register = function () {
  this.register_hook("init_master", "open");
  this.register_hook("init_child", "open");
};

exports.open = function (next) {
  try {
    bridge.openMta();
    const addresses = (server.listeners || [])
      .map((l) => (typeof l.address === "function" ? l.address() : null))
      .filter((a) => a && typeof a === "object")
      .map((a) => `${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`);
    if (addresses.length) process.stdout.write(`OPSMERGE_MTA_READY ${addresses.join(",")}\n`);
  } catch (err) {
    // Opening never touches the network; a failure here is a configuration error Haraka should stop on.
    this.logcrit(`opening the MTA runtime failed: ${err.message}`);
    return next(DENY, err.message);
  }
  next();
};

exports.shutdown = function () {
  bridge.shutdown((m) => this.logerror(m)).catch(() => undefined);
};
