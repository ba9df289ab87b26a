import assert from 'node:assert/strict';
import { parseAuthSchemes } from '../../sim/auth-params';

describe('sim auth header parser', () => {
  it('splits the old one-header Digest-and-Basic challenge into two schemes', () => {
    const schemes = parseAuthSchemes(
      'Digest qop="auth", realm="IP Camera(76475)", nonce="4e4449794d575269597a706b5a575935595441324d673d3d", stale="FALSE", Basic realm="IP Camera(76475)"',
    );
    assert.deepEqual(
      schemes.map((s) => [s.scheme, s.params.get('realm')]),
      [
        ['digest', 'IP Camera(76475)'],
        ['basic', 'IP Camera(76475)'],
      ],
    );
    assert.equal(schemes[0]!.params.get('stale'), 'FALSE');
  });

  it('reads quoted and unquoted digest parameters', () => {
    const [digest] = parseAuthSchemes('Digest username="ad\\"min", nc=00000001, qop=auth, uri="/a?b=c"');
    assert.ok(digest);
    assert.equal(digest.params.get('username'), 'ad"min');
    assert.equal(digest.params.get('nc'), '00000001');
    assert.equal(digest.params.get('qop'), 'auth');
    assert.equal(digest.params.get('uri'), '/a?b=c');
  });

  it('reads the token68 of Basic credentials, padding included', () => {
    const [basic] = parseAuthSchemes('Basic YWRtaW46eA==');
    assert.ok(basic);
    assert.equal(basic.scheme, 'basic');
    assert.equal(basic.token68, 'YWRtaW46eA==');
  });
});
