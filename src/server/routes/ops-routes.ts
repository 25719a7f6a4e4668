import type { Hono } from 'hono';
import { EnsembleError } from '../../core/index.js';
import type { DashboardAsset } from '../dashboard-assets.js';
import type { ServerContext } from '../server-context.js';

/**
 * Only our own files, scripts and styles; nothing from another host (the dashboard makes no
 * outside request), no framing by other sites.
 */
const DASHBOARD_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** `/healthz`, `/metrics`, and the dashboard's files at `/`. */
export function addOpsRoutes(app: Hono, server: ServerContext, assets: ReadonlyMap<string, DashboardAsset>): void {
  app.get('/healthz', (context) => context.json({ status: 'ok', runs: { running: server.runs.runningCount }, followers: server.feeds.followerCount, uptimeMs: server.clock.now() - server.startedAt }));

  app.get('/metrics', async (context) => {
    const body = await server.metrics.render();
    return context.body(body, 200, { 'content-type': server.metrics.contentType });
  });

  const serveAsset = (name: string): Response => {
    const asset = assets.get(name);
    if (asset === undefined) {
      if (name === 'index.html') throw new EnsembleError('NOT_FOUND', 'the dashboard is not built: run `npm run build` in the ensemble checkout');
      throw new EnsembleError('NOT_FOUND', `no dashboard file "${name}"`);
    }
    return new Response(asset.body, {
      headers: {
        'content-type': asset.contentType,
        'content-security-policy': DASHBOARD_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        // index.html names the current bundle; the bundle itself may be cached for a short while.
        'cache-control': name === 'index.html' ? 'no-cache' : 'public, max-age=300',
      },
    });
  };
  app.get('/', () => serveAsset('index.html'));
  app.get('/:file{[A-Za-z0-9_.-]+\\.(?:js|css|svg|png|ico|map|txt)}', (context) => serveAsset(context.req.param('file')));
}
