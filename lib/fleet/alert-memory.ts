/**
 * What each Home Assistant link has already been told, kept on disk next to the vault so that a
 * redeploy or a restart never alerts a device whose state did not change, while a state that
 * changed while the process was down is alerted once on start. Per link and serial it holds the
 * alarm state last alerted (`inactive`, `auth_failed`, …), cleared when the device is active
 * again. No secret is in it: serials, states and link ids only.
 *
 * Kept in a StateFile (whole-file atomic writes, one at a time). A failed write keeps the memory in
 * this process and is reported; the worst outcome of a lost write is one repeated alert after a
 * restart, never a missed one.
 */
import { DEVICE_STATES, type DeviceState } from '../device-vocabulary';
import { StateFile } from '../state-file';

const FORMAT = 1;

type LinkMemory = Map<string, DeviceState>;

export class AlertMemory {
  private constructor(
    private readonly file: StateFile,
    private readonly links: Map<string, LinkMemory>,
  ) {}

  /** A memory kept only in this process (the CLI without a vault, tests). */
  static inMemory(): AlertMemory {
    return new AlertMemory(new StateFile(null, () => undefined), new Map());
  }

  /** The memory in `file`; a missing or unreadable file starts empty (at worst, one alert again). */
  static async open(file: string, onWriteError: (err: Error) => void): Promise<AlertMemory> {
    const stateFile = new StateFile(file, onWriteError);
    const text = await stateFile.read();
    return new AlertMemory(stateFile, text === null ? new Map<string, LinkMemory>() : parse(text));
  }

  /** The alarm state last alerted to `link` for `serial`, or null. */
  told(link: string, serial: string): DeviceState | null {
    return this.links.get(link)?.get(serial) ?? null;
  }

  remember(link: string, serial: string, state: DeviceState): void {
    if (this.told(link, serial) === state) return;
    let memory = this.links.get(link);
    if (!memory) this.links.set(link, (memory = new Map<string, DeviceState>()));
    memory.set(serial, state);
    this.save();
  }

  forget(link: string, serial: string): void {
    if (this.links.get(link)?.delete(serial)) this.save();
  }

  /** Resolves once every write started so far has ended. */
  async flushed(): Promise<void> {
    await this.file.flushed();
  }

  private save(): void {
    this.file.write({
      format: FORMAT,
      links: Object.fromEntries([...this.links].map(([link, m]) => [link, Object.fromEntries(m)])),
    });
  }
}

/** Reads the file leniently: anything not shaped as expected is left out. */
function parse(text: string): Map<string, LinkMemory> {
  const links = new Map<string, LinkMemory>();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return links; // unreadable: start empty (documented above)
  }
  const stored = (data as { links?: unknown } | null)?.links;
  if (typeof stored !== 'object' || stored === null) return links;
  for (const [link, serials] of Object.entries(stored as Record<string, unknown>)) {
    if (typeof serials !== 'object' || serials === null) continue;
    const memory: LinkMemory = new Map();
    for (const [serial, state] of Object.entries(serials as Record<string, unknown>)) {
      if ((DEVICE_STATES as readonly unknown[]).includes(state)) memory.set(serial, state as DeviceState);
    }
    links.set(link, memory);
  }
  return links;
}
