// The package ships its types only for its ESM entry; under `module: node16` a CommonJS import
// resolves to dist/haws.cjs (untyped), so point the types at the ESM declarations.
declare module 'home-assistant-js-websocket' {
  export * from 'home-assistant-js-websocket/dist/index.js';
}
