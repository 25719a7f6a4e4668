import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';

/** The tail of the promise chain of each repository, by real path. */
const chains = new Map<string, Promise<unknown>>();

/**
 * Runs `work` after every earlier `withRepositoryLock` call on the same repository (by real path,
 * so two spellings of one folder share a chain) has settled: commits and merges of one process
 * never race for the repository's index. Another process is the index.lock retry's business.
 */
export async function withRepositoryLock<Result>(repo: string, work: () => Promise<Result>): Promise<Result> {
  const key = await realpath(repo).catch(() => resolve(repo));
  const previous = chains.get(key) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  chains.set(key, tail);
  try {
    return await run;
  } finally {
    // The last in line drops the chain so the map does not grow with every repository ever seen.
    if (chains.get(key) === tail) chains.delete(key);
  }
}
