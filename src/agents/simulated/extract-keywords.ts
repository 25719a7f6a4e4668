// Words that carry no subject matter in a task prompt; they also split phrases.
const STOPWORDS = new Set(
  `a able about above after again against all also among an and any are around as at be because been before being below
  between both but by can could did do does doing done down during each either else ensure every few for from further
  get gets give given go goes going had has have having here how however i if in into is it its itself just keep least
  less let like make makes many may me more most much must my need needs new next no none nor not now of off on once
  one only onto or other our out over own per please put rather same see should since so some such than that the their
  them then there these they this those through thus to too under until up upon us use used uses using very via want
  wants was way ways we well were what when where whether which while who whom whose why will with within without would
  yet you your add adds write writes create implement build provide based check sure task tasks thing things agent
  agents output outputs prompt simulated ensemble runtime model called offline design analyze analyse analysis review
  test tests testing document plan code feature it's we're`.split(/\s+/),
);

/** Longest phrase kept, in words. */
const MAX_PHRASE_WORDS = 3;

/**
 * The most telling phrases of a text, best first: runs of up to three words between stopwords
 * and punctuation ("rate limiter", "discount code"), ranked by how often their words occur,
 * then by first appearance (a RAKE-style heuristic). One-word phrases need four letters or more.
 */
export function extractKeywords(text: string, limit: number): string[] {
  const phrases: string[][] = [];
  for (const segment of text.toLowerCase().split(/[.,;:!?()[\]{}<>"`*#|=/\\\n\r\t]+|\s-+\s/)) {
    let run: string[] = [];
    for (const rawWord of segment.split(/\s+/)) {
      const word = rawWord.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
      if (word === '' || STOPWORDS.has(word) || !/^[a-z][a-z0-9]*(?:[-_'][a-z0-9]+)*$/.test(word)) {
        if (run.length > 0) phrases.push(run);
        run = [];
        continue;
      }
      run.push(singular(word));
      if (run.length === MAX_PHRASE_WORDS) {
        phrases.push(run);
        run = [];
      }
    }
    if (run.length > 0) phrases.push(run);
  }
  const wordCounts = new Map<string, number>();
  for (const phrase of phrases) for (const word of phrase) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
  const scores = new Map<string, number>();
  for (const phrase of phrases) {
    if (phrase.length === 1 && phrase[0]!.length < 4) continue;
    const key = phrase.join(' ');
    if (scores.has(key)) continue;
    // Repeated words say what the text is about; a multi-word phrase is more specific than a word.
    const meanCount = phrase.reduce((sum, word) => sum + (wordCounts.get(word) ?? 0), 0) / phrase.length;
    scores.set(key, meanCount + (phrase.length > 1 ? 0.25 : 0));
  }
  // Map iteration keeps first-appearance order, and sort is stable: ties go to the earlier phrase.
  return [...scores.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, limit)
    .map(([phrase]) => phrase);
}

/** `users` → `user`; leaves `status`, `class`, `analysis` alone. A heuristic, not a stemmer. */
function singular(word: string): string {
  return word.length > 4 && word.endsWith('s') && !/(?:ss|us|is)$/.test(word) ? word.slice(0, -1) : word;
}
