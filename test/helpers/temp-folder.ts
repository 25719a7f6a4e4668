import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A folder made under the system temp dir, and the function that removes it with its contents. */
export interface TempFolder {
  readonly folder: string;
  readonly remove: () => void;
}

/** A store opened on a file in a temp folder. */
export interface TempStore<Store> {
  readonly folder: string;
  /** The store's file, absolute. */
  readonly path: string;
  readonly store: Store;
  /** Closes `current` (the store the test ended with, if it reopened the file; by default the one opened here), then removes the folder. */
  readonly remove: (current?: Store) => void;
}

/** Makes a fresh temp folder named `prefix` plus random characters; return its `remove` from `beforeEach` to clean up after each test. */
export function createTempFolder(prefix: string): TempFolder {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  return { folder, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

/** Opens a store (`openRunStore`, `openMemoryStore`) on `fileName` in a fresh temp folder. */
export function openTempStore<Store extends { close(): void }>(prefix: string, open: (path: string) => Store, fileName = 'ensemble.db'): TempStore<Store> {
  const { folder, remove } = createTempFolder(prefix);
  const path = join(folder, fileName);
  const store = open(path);
  return {
    folder,
    path,
    store,
    remove: (current = store) => {
      current.close();
      remove();
    },
  };
}
