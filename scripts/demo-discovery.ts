/**
 * The demo's first tab ("Start here"): a comment that says what to try, and the interfaces every
 * SADP node of the demo uses. Kept apart from demo.ts so the containment test can check the
 * demo's interface choice without starting anything.
 */

/** Loopback only: the demo must never probe or join a group on a real interface. */
export const DEMO_DISCOVERY_INTERFACES = '127.0.0.1';

export function demoStartNodes(tabId: string): Record<string, unknown>[] {
  return [
    {
      id: 'hik-demo-start',
      type: 'comment',
      z: tabId,
      name: 'Start here: open the "Hik Guard" sidebar tab, then factory-reset a camera',
      info: [
        'The other tabs are the four examples, deployed against a simulated fleet on loopback.',
        '',
        '1. Open the **Hik Guard** tab of the sidebar: every camera with its state, next rotation and vault.',
        '2. Factory-reset the *Front door* camera with the command `npm start` printed (curl with digest, or',
        '   the web UI way). Within seconds it turns *inactive*; tab 04 re-claims it with a fresh password',
        '   (kept in the vault) and it is *active* again. The debug tab shows each step.',
        '3. *Rotate now* and *Verify* in the sidebar go through tab 02; *Reveal password* shows the vault.',
        '4. From a terminal: `npx hik-guard status`, `npx hik-guard discover --interface 127.0.0.1`.',
      ].join('\n'),
      x: 300,
      y: 60,
      wires: [],
    },
  ];
}
