/**
 * Whether the terminal's locale encodes UTF-8, so box-drawing characters print as boxes: the first
 * of LC_ALL, LC_CTYPE, LANG that is set decides (POSIX precedence). With none set (most containers
 * and CI runners, Windows terminals) the answer is yes, as the rest of the CLI already prints "…".
 */
export function isUnicodeTerminal(env: NodeJS.ProcessEnv): boolean {
  const locale = [env['LC_ALL'], env['LC_CTYPE'], env['LANG']].find((value) => value !== undefined && value !== '');
  if (locale === undefined) return true;
  return /utf-?8/i.test(locale);
}
