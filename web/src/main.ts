import { createApiClient } from './api-client.js';
import { createAuthToken } from './auth-token.js';
import { mountEscalationsView } from './escalations-view.js';
import { mountNewRunView } from './new-run-view.js';
import { parseRoute, toRouteHash, type Route } from './route.js';
import { mountRunListView } from './run-list-view.js';
import { mountRunView } from './run-view.js';
import type { UnmountView, ViewContext } from './view-context.js';

/** The dashboard's entry: one view at a time, chosen by the location hash. */
function startDashboard(): void {
  const container = document.getElementById('app');
  if (container === null) throw new Error('index.html has no #app element');
  const token = createAuthToken();
  const context: ViewContext = {
    api: createApiClient(token),
    navigate: (route: Route) => {
      location.hash = toRouteHash(route);
    },
  };
  let unmount: UnmountView | undefined;

  const show = (): void => {
    unmount?.();
    token.captureFromHash();
    const route = parseRoute(location.hash);
    for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
      link.toggleAttribute('aria-current', link.dataset.nav === route.view || (link.dataset.nav === 'runs' && route.view === 'run'));
    }
    window.scrollTo(0, 0);
    switch (route.view) {
      case 'runs':
        document.title = 'Runs · ensemble';
        unmount = mountRunListView(container, context);
        break;
      case 'new':
        document.title = 'New run · ensemble';
        unmount = mountNewRunView(container, context);
        break;
      case 'run':
        document.title = `Run ${route.runId} · ensemble`;
        unmount = mountRunView(container, context, route.runId);
        break;
      case 'escalations':
        document.title = 'Escalations · ensemble';
        unmount = mountEscalationsView(container, context);
        break;
    }
  };

  window.addEventListener('hashchange', show);
  show();
}

startDashboard();
