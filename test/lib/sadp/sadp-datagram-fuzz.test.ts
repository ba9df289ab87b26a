import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_SADP_DATAGRAM_BYTES,
  readSadpDatagram,
  type SadpDatagram,
} from '../../../lib/sadp/sadp-datagram';
import { SAMPLE_B_MODERN } from '../../fixtures/sadp-samples';

const SOURCE = { address: '127.0.0.9', port: 37020 };
const KINDS = new Set(['probeMatch', 'hello', 'other', 'dropped']);

function read(bytes: Buffer): SadpDatagram {
  const result = readSadpDatagram(bytes, SOURCE);
  assert.ok(KINDS.has(result.kind));
  return result;
}

describe('SADP datagram reader under hostile input (property tests)', function () {
  this.timeout(60_000);

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        read(Buffer.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on random text that starts like XML', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000, unit: 'binary' }), (text) => {
        read(Buffer.from(`<${text}`));
        read(Buffer.from(`<?xml version="1.0"?><ProbeMatch>${text}</ProbeMatch>`));
      }),
      { numRuns: 2000 },
    );
  });

  it('drops every truncation of a real reply that cuts before its closing tag', () => {
    const full = Buffer.from(SAMPLE_B_MODERN);
    const closing = full.lastIndexOf('</ProbeMatch>');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: closing }), (cut) => {
        const result = read(full.subarray(0, cut));
        assert.equal(result.kind, 'dropped', `cut at ${cut}`);
      }),
      { numRuns: 600 },
    );
  });

  it('never throws when random text is spliced into a real reply', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SAMPLE_B_MODERN.length }),
        fc.string({ maxLength: 64 }),
        (at, insert) => {
          read(Buffer.from(SAMPLE_B_MODERN.slice(0, at) + insert + SAMPLE_B_MODERN.slice(at)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('drops deep nesting beyond the parser’s cap and never throws on any depth', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), (depth) => {
        const body = `<ProbeMatch>${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}<DeviceSN>S</DeviceSN></ProbeMatch>`;
        const result = read(Buffer.from(body));
        if (depth > 100) assert.equal(result.kind, 'dropped');
      }),
      { numRuns: 300 },
    );
  });

  it('keeps huge fields up to the datagram cap and drops anything larger', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * MAX_SADP_DATAGRAM_BYTES }), (size) => {
        const text = SAMPLE_B_MODERN.replace('<OEMInfo>', '').replace(
          '</SupportMailBox>',
          `</SupportMailBox>\n<OEMInfo>${'x'.repeat(size)}</OEMInfo>`,
        );
        const result = read(Buffer.from(text));
        if (Buffer.byteLength(text) > MAX_SADP_DATAGRAM_BYTES) {
          assert.deepEqual(result, { kind: 'dropped', reason: 'tooLarge' });
        } else {
          assert.ok(result.kind === 'probeMatch', result.kind);
          assert.equal(result.device.raw.OEMInfo?.length ?? 0, size);
        }
      }),
      { numRuns: 200 },
    );
  });
});
