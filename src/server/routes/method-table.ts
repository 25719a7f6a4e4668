/** Every API path with its methods, so a wrong method gets 405 with `Allow` rather than 404. */
const ROUTES: readonly { readonly pattern: RegExp; readonly methods: readonly string[] }[] = [
  { pattern: /^\/api\/workflows\/list$/, methods: ['GET'] },
  { pattern: /^\/api\/workflows\/execute$/, methods: ['POST'] },
  { pattern: /^\/api\/runs$/, methods: ['GET'] },
  { pattern: /^\/api\/runs\/[^/]+$/, methods: ['GET'] },
  { pattern: /^\/api\/runs\/[^/]+\/events$/, methods: ['GET'] },
  { pattern: /^\/api\/runs\/[^/]+\/(?:cancel|resume)$/, methods: ['POST'] },
  { pattern: /^\/api\/agents$/, methods: ['GET'] },
  { pattern: /^\/api\/agents\/[^/]+$/, methods: ['GET'] },
  { pattern: /^\/api\/agents\/[^/]+\/chat$/, methods: ['POST'] },
  { pattern: /^\/api\/(?:consultations|meetings)$/, methods: ['POST'] },
  { pattern: /^\/api\/escalations$/, methods: ['GET'] },
  { pattern: /^\/api\/escalations\/[^/]+\/answer$/, methods: ['POST'] },
  { pattern: /^\/api\/tickets$/, methods: ['GET', 'POST'] },
  { pattern: /^\/api\/tickets\/run$/, methods: ['POST'] },
  { pattern: /^\/api\/tickets\/[^/]+$/, methods: ['GET'] },
  { pattern: /^\/api\/locks$/, methods: ['GET'] },
  { pattern: /^\/api\/reviews$/, methods: ['GET'] },
  { pattern: /^\/api\/reviews\/[^/]+\/(?:approve|reject)$/, methods: ['POST'] },
  { pattern: /^\/(?:healthz|metrics)$/, methods: ['GET'] },
];

/** The methods `path` answers, or undefined when no route has that path. */
export function allowedMethods(path: string): readonly string[] | undefined {
  return ROUTES.find((route) => route.pattern.test(path))?.methods;
}
