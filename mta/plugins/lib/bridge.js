/* global require, exports */
/* eslint-disable @typescript-eslint/no-require-imports -- Haraka compiles plugins as CommonJS */
// The one place the plugins reach the shared TypeScript. Haraka runs under `node --import tsx` (scripts/mta.ts),
// so require() of a .ts file is compiled on the fly by tsx; see mta/README.md.
"use strict";
const constants = require("haraka-constants");
const DSN = require("haraka-dsn");

exports.bridge = require("../../../server/mta/bridge.ts");

const ACTIONS = { ok: constants.ok, deny: constants.deny, denysoft: constants.denysoft };

/** SmtpReply (server/mta/smtp-reply.ts) → [Haraka action, DSN message] for next(). */
exports.toHaraka = function toHaraka(reply, disconnect) {
  const [, subject, detail] = reply.status.split(".").map(Number);
  let action = ACTIONS[reply.action];
  if (disconnect && reply.action === "deny") action = constants.denydisconnect;
  if (disconnect && reply.action === "denysoft") action = constants.denysoftdisconnect;
  return [action, DSN.create(reply.code, reply.message, subject, detail)];
};

/** Answers a hook exactly once, whatever happens; a second call is logged instead of confusing Haraka. */
exports.once = function once(plugin, connection, next) {
  let called = false;
  return (...args) => {
    if (called) {
      plugin.logerror(connection, "next() called twice; ignored");
      return;
    }
    called = true;
    next(...args);
  };
};

/** A logger for the bridge that writes through Haraka's, tagged with the connection. */
exports.logger = function logger(plugin, connection) {
  return (message, err) => {
    plugin.logerror(connection, message);
    if (err && err.stack) plugin.logdebug(connection, err.stack);
  };
};

/** The 451 4.3.0 answered when the plugin itself fails before or around the bridge call. */
exports.tempfail = function tempfail() {
  return [constants.denysoft, DSN.create(451, "Temporary local problem, please try again later", 3, 0)];
};
