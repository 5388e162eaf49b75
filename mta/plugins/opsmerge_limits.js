/* global require, exports */
/* eslint-disable @typescript-eslint/no-require-imports -- Haraka compiles plugins as CommonJS */
// Hooks: connect (concurrent connections per IP, R-IN-11: 421 4.7.0 and disconnect over the limit),
// disconnect (release the slot); mail and data_post (large messages in flight, issue 19 item 13: a declared
// SIZE at MAIL FROM, else the received size at the end of DATA, takes one of LARGE_MESSAGE_SLOTS or gets
// 452/451 4.3.1), reset_transaction (gives that slot back, once its memory is collected: reclaim-memory.ts).
// Notes: connection.notes.opsmerge_counted marks a counted connection, transaction.notes.opsmerge_large_slot a
// transaction holding a large message's slot.
// Message size: Haraka's own connection.ini [max] bytes (from SMTP_MAX_SIZE) advertises SIZE, refuses a larger
// declared SIZE at MAIL FROM and stops buffering a larger message, but answers both with 550; RFC 1870 and
// R-IN-11 say 552 5.3.4, so register() rewrites exactly that reply (see sizeReplyPatch). Recipients per message
// are limited in opsmerge_rcpt. data (issue 19 item 13): the socket pauses while the received message waits for
// the spool file (server/mta/receive-backpressure.ts), and the connection's reads reach Haraka a slice per turn
// of the event loop (server/mta/received-data-slices.ts). No database: this runs before anything else.
"use strict";
const constants = require("haraka-constants");
const { bridge, toHaraka, once, tempfail } = require("./lib/bridge");
const { Connection } = require("./connection"); // Haraka's connection.js (plugins' require resolves core files)

/**
 * Haraka answers an over-size message (declared at MAIL FROM or found at end of DATA) with the fixed text
 * "Message too big!" and code 550 (450 when a plugin soft-denies). Only that reply is turned into
 * 552 5.3.4; a Haraka upgrade that changes the text makes the foundation test fail rather than pass silently.
 */
function sizeReplyPatch() {
  if (Connection.prototype.opsmergeSizePatched) return;
  const respond = Connection.prototype.respond;
  Connection.prototype.respond = function (code, msg, func) {
    if (code === 550 && msg === "Message too big!") {
      return respond.call(this, 552, "5.3.4 Message size exceeds the fixed maximum message size", func);
    }
    return respond.call(this, code, msg, func);
  };
  Connection.prototype.opsmergeSizePatched = true;
}

exports.register = function () {
  sizeReplyPatch();
  this.register_hook("connect", "limit_connections");
  this.register_hook("disconnect", "release_connection");
  this.register_hook("mail", "large_message_declared");
  this.register_hook("data_post", "large_message_received");
  this.register_hook("reset_transaction", "large_message_done");
  this.register_hook("data", "receive_backpressure");
};

exports.receive_backpressure = function (next, connection) {
  try {
    const txn = connection.transaction;
    const closing = () => connection.state >= constants.connection.state.DISCONNECTING;
    if (txn && txn.message_stream && connection.client) bridge.applyReceiveBackpressure(txn.message_stream, connection.client, closing);
    if (connection.client) bridge.sliceReceivedData(connection, connection.client, closing);
  } catch (err) {
    this.logerror(connection, `receive back-pressure failed: ${err.message}`);
  }
  next();
};

function takeLargeSlot(plugin, connection, next, bytes, atEndOfData) {
  const answer = once(plugin, connection, next);
  try {
    const txn = connection.transaction;
    if (!txn || txn.notes.opsmerge_large_slot) return answer();
    const { reply, held } = bridge.largeMessageStarting(bytes, atEndOfData);
    if (held) txn.notes.opsmerge_large_slot = true;
    if (reply.action !== "ok") return answer(...toHaraka(reply));
    answer();
  } catch (err) {
    plugin.logerror(connection, `large message slot failed: ${err.message}`);
    answer(...tempfail());
  }
}

exports.large_message_declared = function (next, connection, params) {
  const size = Number((params && params[1] && params[1].SIZE) || 0);
  takeLargeSlot(this, connection, next, Number.isFinite(size) ? size : 0, false);
};

exports.large_message_received = function (next, connection) {
  takeLargeSlot(this, connection, next, (connection.transaction && connection.transaction.data_bytes) || 0, true);
};

exports.large_message_done = function (next, connection) {
  try {
    const txn = connection.transaction;
    if (txn && txn.notes.opsmerge_large_slot) {
      txn.notes.opsmerge_large_slot = false;
      bridge.largeMessageDone();
    }
  } catch (err) {
    this.logerror(connection, `releasing the large message slot failed: ${err.message}`);
  }
  next();
};

exports.limit_connections = function (next, connection) {
  const answer = once(this, connection, next);
  try {
    const reply = bridge.connectionOpened(connection.remote.ip);
    if (reply.action !== "ok") return answer(...toHaraka(reply, true));
    connection.notes.opsmerge_counted = true;
    answer();
  } catch (err) {
    this.logerror(connection, `connection limit failed: ${err.message}`);
    answer(...tempfail());
  }
};

exports.release_connection = function (next, connection) {
  try {
    if (connection.notes.opsmerge_counted) {
      connection.notes.opsmerge_counted = false;
      bridge.connectionClosed(connection.remote.ip);
    }
  } catch (err) {
    this.logerror(connection, `releasing the connection slot failed: ${err.message}`);
  }
  next();
};
