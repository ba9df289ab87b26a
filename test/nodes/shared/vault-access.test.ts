import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { InvalidArgumentError, VaultKeyMissingError } from '../../../lib/errors';
import { sharedVaults } from '../../../lib/runtime';
import { CredentialVault } from '../../../lib/vault/credential-vault';
import {
  nodeRedVaultLocation,
  openNodeRedVault,
  type NodeRedVaultLocation,
} from '../../../nodes/shared/vault-access';
import { CANARY, leaks, TempDirs } from '../../lib/vault/fixtures/vault-temp';
import { helper, helperInternals, nodeRedPath } from '../../support/node-red';

interface ProbeNode extends Node {
  location?: NodeRedVaultLocation;
  failure?: unknown;
  red: NodeAPI;
}

/** A node that asks for the vault location with the RED its runtime hands to real nodes. */
function vaultProbe(RED: NodeAPI): void {
  RED.nodes.registerType('vault-probe', function (this: ProbeNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    this.red = RED;
    try {
      this.location = nodeRedVaultLocation(RED);
    } catch (err) {
      this.failure = err;
    }
  });
}

interface RuntimeSettings {
  load(storage: { getSettings(): Promise<unknown>; saveSettings(s: unknown): Promise<void> }): Promise<void>;
}

/** The runtime's own settings module and its file storage, as Node-RED uses them at start-up. */
function runtimeModules(): {
  settings: RuntimeSettings;
  fileStorage: { init(s: object): Promise<void>; getSettings(): Promise<unknown> };
} {
  const settings = (helperInternals() as unknown as { _RED: { settings: RuntimeSettings } })._RED.settings;
  const fileStorage = require(
    require.resolve('@node-red/runtime/lib/storage/localfilesystem/settings', {
      paths: [dirname(nodeRedPath)],
    }),
  ) as { init(s: object): Promise<void>; getSettings(): Promise<unknown> };
  return { settings, fileStorage };
}

describe('vault access from Node-RED (nodes/shared/vault-access)', function () {
  this.timeout(20_000);
  const temp = new TempDirs();
  const originalSettings = (helper as unknown as { _settings: unknown })._settings;

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    (helper as unknown as { _settings: unknown })._settings = originalSettings;
    // Forget the runtime settings loaded by a test, as a fresh runtime would have none.
    await runtimeModules().settings.load({
      getSettings: () => Promise.resolve(null),
      saveSettings: () => Promise.resolve(),
    });
    await sharedVaults().closeAll();
    await temp.removeAll();
  });

  async function probe(settings: Record<string, unknown>): Promise<ProbeNode> {
    helper.settings(settings);
    await helper.load(vaultProbe, [{ id: 'p', type: 'vault-probe' }]);
    return helper.getNode('p') as ProbeNode;
  }

  it('puts the vault under <userDir>/hik-guard and keys it with the credentialSecret setting', async () => {
    const userDir = await temp.make();
    const node = await probe({ userDir, credentialSecret: 'settings-js-secret' });
    assert.equal(node.failure, undefined);
    assert.deepEqual(node.location, {
      file: join(userDir, 'hik-guard', 'vault.json'),
      secret: 'settings-js-secret',
      secretSource: 'credentialSecret',
    });
    const vault = await openNodeRedVault(node.red);
    assert.equal(await openNodeRedVault(node.red), vault, 'not the shared instance');
    await vault.enrol({ serial: 'S1', username: 'admin', password: CANARY });
    assert.equal((await stat(vault.file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(userDir, 'hik-guard'))).mode & 0o777, 0o700);
    assert.ok(!leaks(await readFile(vault.file), CANARY));
    await sharedVaults().close(vault.file);
    const reread = await CredentialVault.open(vault.file, 'settings-js-secret', { readOnly: true });
    assert.equal(reread.get('S1')!.password, CANARY);
  });

  it('falls back to the secret Node-RED generated and keeps in .config.runtime.json', async () => {
    const userDir = await temp.make();
    await writeFile(
      join(userDir, '.config.runtime.json'),
      JSON.stringify({ _credentialSecret: 'generated-0123abcd' }),
    );
    const { settings, fileStorage } = runtimeModules();
    await fileStorage.init({ userDir });
    await settings.load({
      getSettings: () => fileStorage.getSettings(),
      saveSettings: () => Promise.resolve(),
    });
    const node = await probe({ userDir });
    assert.equal(node.failure, undefined);
    assert.equal(node.location!.secret, 'generated-0123abcd');
    assert.equal(node.location!.secretSource, '_credentialSecret');
  });

  it('prefers credentialSecret over a generated secret still on file', async () => {
    const userDir = await temp.make();
    await writeFile(
      join(userDir, '.config.runtime.json'),
      JSON.stringify({ _credentialSecret: 'generated-0123abcd' }),
    );
    const { settings, fileStorage } = runtimeModules();
    await fileStorage.init({ userDir });
    await settings.load({
      getSettings: () => fileStorage.getSettings(),
      saveSettings: () => Promise.resolve(),
    });
    const node = await probe({ userDir, credentialSecret: 'settings-js-secret' });
    assert.equal(node.location!.secretSource, 'credentialSecret');
  });

  it('without any secret (encryption disabled, or none generated) fails with VaultKeyMissingError', async () => {
    const userDir = await temp.make();
    for (const credentialSecret of [false, undefined, '']) {
      const node = await probe({ userDir, credentialSecret });
      assert.ok(node.failure instanceof VaultKeyMissingError, String(node.failure));
      assert.match((node.failure as Error).message, /credentialSecret/);
      await helper.unload();
    }
  });

  it('without a userDir fails with InvalidArgumentError naming it', async () => {
    const node = await probe({ userDir: '', credentialSecret: 'x' });
    assert.ok(node.failure instanceof InvalidArgumentError);
    assert.match((node.failure as Error).message, /userDir/);
  });
});
