import assert from 'node:assert/strict';
import { digestResponse } from '../../sim/digest-hash';

describe('sim digest hash', () => {
  // RFC 7616 §3.9.1 example.
  const rfc7616 = {
    userName: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    qop: { nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' },
  };

  it('reproduces the RFC 7616 MD5 example', () => {
    assert.equal(digestResponse({ ...rfc7616, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
  });

  it('reproduces the RFC 7616 SHA-256 example', () => {
    assert.equal(
      digestResponse({ ...rfc7616, algorithm: 'SHA-256' }),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('reproduces the RFC 2617 example', () => {
    const response = digestResponse({
      algorithm: 'MD5',
      userName: 'Mufasa',
      realm: 'testrealm@host.com',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      qop: { nc: '00000001', cnonce: '0a4f113b' },
    });
    assert.equal(response, '6629fae49393a05397450978507c4ef1');
  });
});
