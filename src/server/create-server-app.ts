import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { EnsembleError, toEnsembleError } from '../core/index.js';
import { isTokenAccepted, readBearerToken } from './auth/index.js';
import type { DashboardAsset } from './dashboard-assets.js';
import { toErrorResponse } from './error-response.js';
import { addAgentRoutes, addCodebaseRoutes, addConversationRoutes, addOpsRoutes, addRunRoutes, addWorkflowRoutes, allowedMethods } from './routes/index.js';
import type { ServerContext } from './server-context.js';

export interface ServerAppOptions {
  /** When set, `/api/*` and `/metrics` need `Authorization: Bearer <token>` (GET also `?token=`, for EventSource). */
  readonly token?: string;
  /** Largest request body, in bytes. */
  readonly bodyLimitBytes: number;
  readonly assets: ReadonlyMap<string, DashboardAsset>;
}

/** The Hono app of `ensemble serve`: every route, the error shape, auth, the body limit. Test it with `app.request()`. */
export function createServerApp(server: ServerContext, options: ServerAppOptions): Hono {
  const app = new Hono();

  app.onError((error, context) => {
    const ensembleError = toEnsembleError(error);
    if (ensembleError.code === 'INTERNAL') server.logger.error(`${context.req.method} ${context.req.path} failed`, error);
    return toErrorResponse(context, ensembleError);
  });
  app.notFound((context) => {
    const methods = allowedMethods(context.req.path);
    if (methods !== undefined && !methods.includes(context.req.method)) {
      context.header('Allow', methods.join(', '));
      return toErrorResponse(context, new EnsembleError('METHOD_NOT_ALLOWED', `${context.req.method} is not allowed on ${context.req.path}; use ${methods.join(' or ')}`));
    }
    return toErrorResponse(context, new EnsembleError('NOT_FOUND', `no route ${context.req.method} ${context.req.path}`));
  });

  if (options.token !== undefined) {
    const guard = requireToken(options.token);
    app.use('/api/*', guard);
    app.use('/metrics', guard);
  }
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: options.bodyLimitBytes,
      onError: (context) => toErrorResponse(context, new EnsembleError('PAYLOAD_TOO_LARGE', `the request body is over ${options.bodyLimitBytes} bytes`)),
    }),
  );

  addWorkflowRoutes(app, server);
  addRunRoutes(app, server);
  addAgentRoutes(app, server);
  addConversationRoutes(app, server);
  addCodebaseRoutes(app, server);
  addOpsRoutes(app, server, options.assets);
  return app;
}

function requireToken(token: string): MiddlewareHandler {
  return async (context, next) => {
    const given = readBearerToken(context.req.header('authorization')) ?? (context.req.method === 'GET' ? context.req.query('token') : undefined);
    if (!isTokenAccepted(given, token)) {
      context.header('WWW-Authenticate', 'Bearer realm="ensemble"');
      return toErrorResponse(context, new EnsembleError('UNAUTHORIZED', given === undefined ? 'this server needs a token: send Authorization: Bearer <token>' : 'the token is not this server\'s'));
    }
    await next();
    return undefined;
  };
}
