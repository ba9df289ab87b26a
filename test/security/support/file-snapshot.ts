/**
 * Every regular file under a directory with its bytes, without following symbolic links (a
 * Node-RED user directory links the package under test into node_modules).
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface FileBytes {
  /** Relative to the directory read. */
  path: string;
  bytes: Buffer;
}

export async function readAllFiles(dir: string): Promise<FileBytes[]> {
  const files: FileBytes[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const name of await readdir(current)) {
      const path = join(current, name);
      const info = await lstat(path);
      if (info.isDirectory()) await walk(path);
      else if (info.isFile()) files.push({ path: relative(dir, path), bytes: await readFile(path) });
    }
  };
  await walk(dir);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
