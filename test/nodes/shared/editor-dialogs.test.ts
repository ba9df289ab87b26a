/**
 * Every node's editor file (nodes/<type>/<type>.html), read as text: its template holds no literal
 * English and every key it or its script asks for is in its catalog; a palette node has a short
 * label, a colour a white glyph stands out on (as on Node-RED's own nodes) and an icon drawn with
 * the stroke weight of Node-RED's icons. The browser test (test/browser/editor.test.ts) measures
 * the same dialogs and the palette in Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const nodesDir = join(root, 'nodes');

const nodeTypes = readdirSync(nodesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'shared')
  .map((entry) => entry.name);

function editorOf(type: string): string {
  return readFileSync(join(nodesDir, type, `${type}.html`), 'utf8');
}

/** The node's catalog with the shared `errors` block, as scripts/build.mjs merges them. */
function catalogOf(type: string): Record<string, unknown> {
  const read = (...path: string[]) =>
    JSON.parse(readFileSync(join(nodesDir, ...path), 'utf8')) as Record<string, unknown>;
  return {
    ...read(type, 'locales', 'en-US', `${type}.json`),
    ...read('shared', 'locales', 'en-US', 'errors.json'),
  };
}

function lookup(catalog: Record<string, unknown>, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>(
      (node, part) =>
        node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined,
      catalog,
    );
}

function block(html: string, type: string): string {
  return [...html.matchAll(new RegExp(`<script type="${type}"[^>]*>([\\s\\S]*?)</script>`, 'g'))]
    .map((m) => m[1] ?? '')
    .join('\n');
}

/** WCAG relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channels = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) =>
    c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4,
  );
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Node-RED's node label colour (--red-ui-node-label-color). */
const LABEL = '#333333';

describe('editor dialogs and palette entries', () => {
  for (const type of nodeTypes) {
    const html = editorOf(type);
    const catalog = catalogOf(type);

    it(`${type}: no literal text in the template, and every key it uses is in its catalog`, () => {
      const template = block(html, 'text/html');
      const text = template
        .replace(/<[^>]*>/g, '')
        .replace(/&nbsp;/g, '')
        .trim();
      assert.equal(text, '', 'literal text in the template');
      const script = block(html, 'text/javascript');
      const keys = [
        ...[...template.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g)].map((m) => m[1] ?? ''),
        // `node._('…')`, `this._('…')`, `definition._('…')` with a whole key.
        ...[...script.matchAll(/\._\(\s*'([^']+)'\s*[,)]/g)].map((m) => m[1] ?? ''),
      ];
      assert.ok(keys.length > 3, 'the scan found keys');
      const missing = keys.filter((key) => typeof lookup(catalog, key) !== 'string');
      assert.deepEqual(missing, [], `not in ${type}'s catalog`);
      // `…._('a.b.' + x)`: the group must exist.
      const groups = [...script.matchAll(/\._\(\s*'([^']+)\.'\s*\+/g)].map((m) => m[1] ?? '');
      const missingGroups = groups.filter((group) => typeof lookup(catalog, group) !== 'object');
      assert.deepEqual(missingGroups, [], `groups not in ${type}'s catalog`);
    });

    const category = /category:\s*'([^']+)'/.exec(html)?.[1];
    if (category === 'config') continue;

    it(`${type}: a palette label that fits the palette on one line`, () => {
      const label = lookup(catalog, `${type}.paletteLabel`);
      assert.equal(typeof label, 'string');
      // Node-RED wraps a palette label at 82px; 13 characters of its palette font stay well inside.
      assert.ok((label as string).length <= 13, `"${String(label)}" is too long for the palette`);
    });

    it(`${type}: a colour a white glyph and the dark node label both read on`, () => {
      const color = /\bcolor:\s*'(#[0-9a-fA-F]{6})'/.exec(html)?.[1];
      assert.ok(color, 'a #rrggbb colour');
      // Node-RED's debug node: white glyph 2.6:1, label 4.8:1. Pale colours (1.3:1) look disabled.
      assert.ok(
        contrast(color, '#ffffff') >= 2.6,
        `white on ${color}: ${contrast(color, '#ffffff').toFixed(2)}`,
      );
      assert.ok(contrast(color, LABEL) >= 4, `label on ${color}: ${contrast(color, LABEL).toFixed(2)}`);
    });

    it(`${type}: an icon from icons/, white, with Node-RED's stroke weight`, () => {
      const icon = /\bicon:\s*'([^']+\.svg)'/.exec(html)?.[1];
      assert.ok(icon, 'an svg icon');
      const file = join(root, 'icons', icon);
      assert.ok(existsSync(file), `icons/${icon}`);
      const svg = readFileSync(file, 'utf8');
      assert.match(svg, /viewBox="0 0 40 60"/, 'the 40×60 frame of Node-RED icons');
      for (const [, width] of svg.matchAll(/stroke-width="([\d.]+)"/g)) {
        assert.ok(Number(width) >= 3, `stroke-width ${width}: core icons draw 3 to 4`);
      }
      const paints = [...svg.matchAll(/\b(?:fill|stroke)="([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(
        paints.filter((paint) => paint !== 'none' && paint !== '#fff' && paint !== '#ffffff'),
        [],
        'white glyph only',
      );
    });
  }
});
