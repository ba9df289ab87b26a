import assert from 'node:assert/strict';
import {
  rtspUrl,
  sourceHasUserinfo,
  sourceHost,
  sourceMatchesHost,
  sourceUsesVariable,
  withCredential,
} from '../../../lib/consumers/stream-url';

const CREDENTIAL = { username: 'admin', password: "p@ss:w/rd!'()*#?%" };

describe('stream URLs', () => {
  it('puts a credential into the userinfo percent-encoded, so any password survives a URL parser', () => {
    const url = rtspUrl('192.0.2.64', 554, '/Streaming/Channels/101', CREDENTIAL);
    assert.equal(
      url,
      'rtsp://admin:p%40ss%3Aw%2Frd%21%27%28%29%2A%23%3F%25@192.0.2.64/Streaming/Channels/101',
    );
    const parsed = new URL(url);
    assert.equal(decodeURIComponent(parsed.password), CREDENTIAL.password);
    assert.equal(parsed.hostname, '192.0.2.64');
    assert.equal(rtspUrl('fe80::1', 8554, 'x', CREDENTIAL).split('@')[1], '[fe80::1]:8554/x');
  });

  it('replaces only the userinfo of wrapped, masked and query-carrying sources', () => {
    const credential = { username: 'viewer', password: 'New-Pass1' };
    assert.equal(
      withCredential(
        'ffmpeg:rtsp://***@192.0.2.64:554/Streaming/Channels/101?transport=tcp#video=copy',
        credential,
      ),
      'ffmpeg:rtsp://viewer:New-Pass1@192.0.2.64:554/Streaming/Channels/101?transport=tcp#video=copy',
    );
    assert.equal(
      withCredential('rtsp://192.0.2.64/Streaming/Channels/102', credential),
      'rtsp://viewer:New-Pass1@192.0.2.64/Streaming/Channels/102',
    );
    assert.equal(
      withCredential('rtsp://old:raw@pass@cam.local', credential),
      'rtsp://viewer:New-Pass1@cam.local',
    );
    assert.equal(withCredential('echo:hello', credential), null);
  });

  it('matches sources by host only, whatever the credential, port or wrapper', () => {
    assert.equal(sourceHost('ffmpeg:rtsp://a:b@Cam.Local:8554/x#y'), 'cam.local');
    assert.ok(sourceMatchesHost('rtsp://a:b@192.0.2.64:554/x', '192.0.2.64'));
    assert.ok(sourceMatchesHost('rtsp://***@[fe80::1]:554/x', '[FE80::1]'));
    assert.ok(!sourceMatchesHost('rtsp://a:b@192.0.2.640/x', '192.0.2.64'));
    assert.ok(
      !sourceMatchesHost('rtsp://192.0.2.64@192.0.2.65/x', '192.0.2.64'),
      'a user name is not a host',
    );
    assert.equal(sourceHost('exec:ffmpeg -i x'), null);
  });

  it('tells credentials from variables that only their owner can change', () => {
    assert.ok(sourceUsesVariable('rtsp://admin:${CAM_PASS}@192.0.2.64/x'));
    assert.ok(sourceUsesVariable('rtsp://viewer:{FRIGATE_RTSP_PASSWORD}@192.0.2.64/x'));
    assert.ok(!sourceUsesVariable('rtsp://admin:plain@192.0.2.64/x'));
    assert.ok(sourceHasUserinfo('rtsp://***@192.0.2.64/x'));
    assert.ok(!sourceHasUserinfo('rtsp://192.0.2.64/x'));
  });
});
