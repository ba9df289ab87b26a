'use strict';
// Tests are TypeScript run through tsx (type-checked beforehand by `tsc --noEmit` in npm test).
module.exports = {
  require: ['tsx/cjs'],
  spec: ['test/**/*.test.ts'],
  extension: ['ts'],
  timeout: 10000,
  exit: false,
};
