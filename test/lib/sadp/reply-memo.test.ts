import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReplyMemo } from '../../../lib/sadp/reply-memo';
import { readSadpDatagram } from '../../../lib/sadp/sadp-datagram';
import { SAMPLE_A_LEGACY, SAMPLE_B_INACTIVE, SAMPLE_B_MODERN } from '../../fixtures/sadp-samples';

const SOURCE = { address: '127.0.1.7', port: 37020 };
const UUID = /<Uuid>[^<]*<\/Uuid>/;

function withUuid(sample: string, uuid: string): Buffer {
  return Buffer.from(sample.replace(UUID, `<Uuid>${uuid}</Uuid>`));
}

/** One scan's worth of reading `reply` through the memo. */
function scanRead(memo: ReplyMemo, reply: Buffer): ReturnType<ReplyMemo['read']> {
  const datagram = memo.read(reply, SOURCE);
  memo.rollOver();
  return datagram;
}

describe('SADP reply memo', () => {
  it('reads an unchanged reply with a new Uuid exactly as reading it afresh, without parsing it', () => {
    const memo = new ReplyMemo();
    const first = scanRead(memo, withUuid(SAMPLE_B_MODERN, 'E8ECFE09-90E4-44C0-842B-703F46B58C81'));
    const again = withUuid(SAMPLE_B_MODERN, '0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0');
    const reused = scanRead(memo, again);
    assert.deepEqual(reused, readSadpDatagram(again, SOURCE));
    assert.ok(reused.kind === 'probeMatch' && first.kind === 'probeMatch');
    // The same reading: the parsed values are the very objects of the first scan's reading.
    assert.equal(reused.device.bootTime, first.device.bootTime);
    assert.equal(reused.device.raw.Uuid, '0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0');
    assert.equal(
      first.device.raw.Uuid,
      'E8ECFE09-90E4-44C0-842B-703F46B58C81',
      'the earlier reading is untouched',
    );
  });

  it('reads a changed reply afresh (a factory reset is never hidden)', () => {
    const memo = new ReplyMemo();
    scanRead(memo, withUuid(SAMPLE_B_MODERN, 'A-1'));
    const reset = scanRead(memo, withUuid(SAMPLE_B_INACTIVE, 'A-2'));
    assert.ok(reset.kind === 'probeMatch');
    assert.equal(reset.device.activated, false);
  });

  it('forgets a source not heard in the last scan', () => {
    const memo = new ReplyMemo();
    const reply = withUuid(SAMPLE_A_LEGACY, 'B-1');
    const first = scanRead(memo, reply);
    memo.rollOver(); // a scan that did not hear it
    const later = scanRead(memo, withUuid(SAMPLE_A_LEGACY, 'B-2'));
    assert.ok(first.kind === 'probeMatch' && later.kind === 'probeMatch');
    assert.notEqual(later.device.raw, first.device.raw, 'read afresh');
    assert.deepEqual(later, readSadpDatagram(withUuid(SAMPLE_A_LEGACY, 'B-2'), SOURCE));
  });

  it('gives what reading afresh gives for any Uuid, repeated element or change (property)', () => {
    const samples = [SAMPLE_A_LEGACY, SAMPLE_B_MODERN, SAMPLE_B_INACTIVE];
    const uuidText = fc.oneof(
      fc.uuid().map((u) => u.toUpperCase()),
      fc.constantFrom('', ' A-1 ', 'a&amp;b', 'x\r\ny', 'plain-0'),
      fc.string({ maxLength: 12 }).filter((t) => !t.includes('<')),
    );
    const shape = fc.constantFrom('plain', 'no-uuid', 'upper-first', 'twice');
    const build = (sample: string, form: string, uuid: string): Buffer => {
      const base = sample.replace(UUID, `<Uuid>${uuid}</Uuid>`);
      if (form === 'no-uuid') return Buffer.from(sample.replace(UUID, ''));
      if (form === 'upper-first') return Buffer.from(base.replace('<Uuid>', `<UUID>${uuid}x</UUID><Uuid>`));
      if (form === 'twice') return Buffer.from(base.replace('</Uuid>', `</Uuid><Uuid>${uuid}y</Uuid>`));
      return Buffer.from(base);
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.constantFrom(...samples),
        shape,
        shape,
        uuidText,
        uuidText,
        (sampleA, sampleB, formA, formB, uuidA, uuidB) => {
          const memo = new ReplyMemo();
          const first = build(sampleA, formA, uuidA);
          const second = build(sampleB, formB, uuidB);
          assert.deepEqual(scanRead(memo, first), readSadpDatagram(first, SOURCE));
          assert.deepEqual(scanRead(memo, second), readSadpDatagram(second, SOURCE));
        },
      ),
      { numRuns: 400 },
    );
  });
});
