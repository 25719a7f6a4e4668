/** The dashboard's views, addressed by the location hash (`#/runs`, `#/runs/<id>`, `#/new`, `#/escalations`). */
export type Route =
  | { readonly view: 'runs' }
  | { readonly view: 'run'; readonly runId: string }
  | { readonly view: 'new' }
  | { readonly view: 'escalations' };

/** The view a hash names; anything unknown shows the run list. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((part) => part !== '');
  if (parts[0] === 'new') return { view: 'new' };
  if (parts[0] === 'escalations') return { view: 'escalations' };
  if (parts[0] === 'runs' && parts[1] !== undefined) return { view: 'run', runId: decodeURIComponent(parts[1]) };
  return { view: 'runs' };
}

/** The hash of a view, for links and navigation. */
export function toRouteHash(route: Route): string {
  switch (route.view) {
    case 'runs':
      return '#/runs';
    case 'new':
      return '#/new';
    case 'escalations':
      return '#/escalations';
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
  }
}
