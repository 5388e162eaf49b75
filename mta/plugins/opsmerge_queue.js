/* global require, exports */
/* eslint-disable @typescript-eslint/no-require-imports -- Haraka compiles plugins as CommonJS */
// Hooks: data_post, queue (R-IN-10). At end of DATA (data_post) the raw message, envelope and connection facts
// go to server/inbound/ingest-inbound.ts through the bridge; the queue hook then answers 250 only when that
// transaction has committed. Any failure (database, DNS, a bug) answers 451 4.3.0 so the sender keeps the
// message and retries. The work is in data_post rather than queue because Haraka keeps a DSN's reply code
// there, while a queue-hook DENYSOFT is always sent as 450.
// Reads transaction.mail_from, rcpt_to, message_stream; writes transaction.notes.opsmerge_committed and
// transaction.results { pass|err }.
"use strict";
const constants = require("haraka-constants");
const { bridge, toHaraka, once, logger, tempfail } = require("./lib/bridge");

exports.register = function () {
  this.register_hook("data_post", "deliver");
  this.register_hook("queue", "confirm");
};

exports.confirm = function (next, connection) {
  const answer = once(this, connection, next);
  const committed = connection.transaction && connection.transaction.notes.opsmerge_committed;
  // Without a commit there is nothing to confirm: never 250.
  if (committed) answer(constants.ok, committed);
  else answer(...tempfail());
};

function addressOf(a) {
  if (!a) return "";
  const value = typeof a.address === "function" ? a.address() : a.address;
  return value ? String(value) : "";
}

exports.deliver = function (next, connection) {
  const answer = once(this, connection, next);
  try {
    const txn = connection.transaction;
    // A number, not a Date: plugins run in their own vm context, whose Date fails instanceof checks in server/.
    const receivedAtMs = Date.now();
    const onStreamError = (err) => {
      this.logerror(connection, `reading the message failed: ${err.message}`);
      answer(...tempfail());
    };
    txn.message_stream.once("error", onStreamError);
    // dot_stuffed: true is message-stream's "this data was dot-stuffed on the wire, give it back unstuffed".
    // MessageBytes instead of get_data(): one copy of the message, not its chunks and their concatenation.
    const collect = new bridge.MessageBytes(txn.message_stream.bytes_read, (raw) => {
      txn.message_stream.removeListener("error", onStreamError);
      bridge
        .deliverMessage(
          {
            raw,
            remoteIp: connection.remote.ip,
            helo: connection.hello.host || null,
            mailFrom: addressOf(txn.mail_from),
            recipients: txn.rcpt_to.map(addressOf).filter(Boolean),
            receivedAtMs,
          },
          logger(this, connection),
        )
        .then((reply) => {
          txn.results.add(this, reply.action === "ok" ? { pass: reply.message } : { err: reply.message });
          if (reply.action === "ok") {
            txn.notes.opsmerge_committed = reply.message;
            return answer(constants.cont);
          }
          answer(...toHaraka(reply));
        })
        .catch((err) => {
          this.logerror(connection, `delivery failed: ${err.message}`);
          answer(...tempfail());
        });
    });
    txn.message_stream.pipe(collect, { dot_stuffed: true });
  } catch (err) {
    this.logerror(connection, `delivery failed: ${err.message}`);
    answer(...tempfail());
  }
};
