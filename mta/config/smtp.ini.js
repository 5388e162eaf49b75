/* global module, require */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: haraka-config require()s this file */
// Loaded by haraka-config because config/smtp.ini does not exist and HARAKA_JS_CONFIG=1 is set by scripts/mta.ts:
// the values come from the validated environment (server/env.ts), not from a second copy of the settings.
module.exports = require("../../server/mta/mta-settings.ts").harakaSettings()["smtp.ini"];
