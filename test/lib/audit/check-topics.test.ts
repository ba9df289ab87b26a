/** Every check an audit report can name has words for what it looks at (CLI, sidebar). */
import assert from 'node:assert/strict';
import { CHECK_TOPICS } from '../../../lib/audit/finding';
import { NOT_AUDITABLE, SETTINGS_CHECKS } from '../../../lib/audit/settings-checks';

describe('audit checks in words', () => {
  it('names what every check looks at, so a report never shows a bare id', () => {
    const ids = [
      'firmware',
      'settings',
      'C02',
      ...SETTINGS_CHECKS.map((c) => c.check),
      ...NOT_AUDITABLE.map((c) => c.check),
    ];
    assert.deepEqual(
      ids.filter((id) => !CHECK_TOPICS[id]),
      [],
    );
  });
});
