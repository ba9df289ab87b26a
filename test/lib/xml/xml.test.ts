import assert from 'node:assert/strict';
import { parseXml } from '../../../lib/xml/xml';

describe('parseXml', () => {
  it('matches elements by local name whatever the namespace', () => {
    const root = parseXml('<a:UserList xmlns:a="urn:x"><a:User><a:id>1</a:id></a:User></a:UserList>');
    assert.equal(root.intAt('User', 'id'), 1);
  });
});
