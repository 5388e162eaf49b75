/* global require, exports */
/* eslint-disable @typescript-eslint/no-require-imports -- Haraka compiles plugins as CommonJS */
// Hook: rcpt (R-IN-1). The only plugin that accepts recipients, so the gateway cannot relay: addresses it owns
// get 250, everything else 550 5.1.1, too many recipients 452 4.5.3, any fault (database down) 451 4.3.0.
// Recipient enumeration: refused recipients are counted per connection (connection.notes.opsmerge_unknown_rcpts);
// the bridge answers 421 (and this plugin disconnects) once a session has had too many, 450 while the IP has.
// Writes transaction.results: { pass: <address> } or { fail: <address> }.
"use strict";
const { bridge, toHaraka, once, logger, tempfail } = require("./lib/bridge");

exports.register = function () {
  this.register_hook("rcpt", "check_recipient");
};

exports.check_recipient = function (next, connection, params) {
  const answer = once(this, connection, next);
  try {
    const txn = connection.transaction;
    const rcpt = params[0];
    const address = typeof rcpt.address === "function" ? rcpt.address() : rcpt.address;
    bridge
      // Haraka has already pushed this recipient onto rcpt_to (and pops it again if we refuse it).
      .checkRecipient(
        {
          address: String(address),
          acceptedSoFar: txn.rcpt_to.length - 1,
          remoteIp: connection.remote.ip,
          unknownSoFar: connection.notes.opsmerge_unknown_rcpts || 0,
        },
        logger(this, connection),
      )
      .then((reply) => {
        txn.results.add(this, reply.action === "ok" ? { pass: address } : { fail: address });
        if (reply.code === 550) connection.notes.opsmerge_unknown_rcpts = (connection.notes.opsmerge_unknown_rcpts || 0) + 1;
        answer(...toHaraka(reply, reply.code === 421));
      })
      .catch((err) => {
        this.logerror(connection, `recipient check failed: ${err.message}`);
        answer(...tempfail());
      });
  } catch (err) {
    this.logerror(connection, `recipient check failed: ${err.message}`);
    answer(...tempfail());
  }
};
