import assert from 'node:assert/strict';
import { refusalText } from '../../../lib/consumers/consumer-http';

describe('consumer API refusals', () => {
  it('mask URL credentials and every secret the API may echo, raw or percent-encoded, and stay short', () => {
    const secret = 'Rotated-P@ss2';
    const echoed =
      `camera front: input path is not a URL [input_value='rtsp://admin:${encodeURIComponent(secret)}@']` +
      ` password ${secret} ` +
      'x'.repeat(400);
    const text = refusalText(echoed, [secret]);
    assert.ok(!text.includes(secret) && !text.includes(encodeURIComponent(secret)));
    assert.match(text, /rtsp:\/\/\*\*\*@/);
    assert.ok(text.length <= 160);
    assert.equal(refusalText('config file disabled\n'), 'config file disabled');
  });
});
