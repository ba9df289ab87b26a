'use strict';
// Mocha's Spec reporter, plus a machine-readable count for scripts/test.mjs, which sums both legs
// into the final `N passed, N failed` line. When HIK_GUARD_SUMMARY_FILE is set the counts are
// written there as JSON; a marker line `hik-guard-summary {...}` is printed either way.
const { writeFileSync } = require('node:fs');
const { reporters, Runner } = require('mocha');

class SummaryReporter extends reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, pending: 0 };
    runner.on(Runner.constants.EVENT_TEST_PASS, () => {
      counts.passed += 1;
    });
    // Hook failures count too: a failing before() fails its whole suite.
    runner.on(Runner.constants.EVENT_TEST_FAIL, () => {
      counts.failed += 1;
    });
    runner.on(Runner.constants.EVENT_TEST_PENDING, () => {
      counts.pending += 1;
    });
    runner.once(Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.HIK_GUARD_SUMMARY_FILE;
      if (file) writeFileSync(file, `${JSON.stringify(counts)}\n`);
      process.stdout.write(`hik-guard-summary ${JSON.stringify(counts)}\n`);
    });
  }
}

module.exports = SummaryReporter;
