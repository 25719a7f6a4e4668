import type { ApiClient } from './api-client.js';
import type { Route } from './route.js';

/** What every view is given: the server's API and a way to move to another view. */
export interface ViewContext {
  readonly api: ApiClient;
  readonly navigate: (route: Route) => void;
}

/** Stops a view's timers, streams and requests when the dashboard moves to another view. */
export type UnmountView = () => void;
