/* global module, require */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: haraka-config require()s this file */
// Haraka's own outbound spool directory (unused by the inbound path, but Haraka creates it at start): keep it in
// DATA_DIR so a checkout stays clean and parallel test instances do not share it.
module.exports = require("../../server/mta/mta-settings.ts").harakaSettings()["queue_dir"];
