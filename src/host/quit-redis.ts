import type { Redis } from 'ioredis';

/**
 * Closes a Redis connection: QUIT when the server can hear it (pending commands are answered
 * first), otherwise drop it at once, since a QUIT queued on a connection that is down would wait
 * for a server that may never come back.
 */
export async function quitRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
