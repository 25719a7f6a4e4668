/** Id of an agent's answer: `answer.<agent>`. */
export function answerTaskId(agentName: string): string {
  return `answer.${agentName}`;
}

/** Id of the synthesis of the answers. */
export const SYNTHESIS_TASK_ID = 'synthesis';

/** The prompt of one consulted agent: the question, and that the others answer it independently. */
export function composeAnswerPrompt(question: string, agentName: string, agents: readonly string[]): string {
  const others = agents.filter((name) => name !== agentName);
  return [
    others.length === 0
      ? `You are ${agentName}, consulted on the question below.`
      : `You are ${agentName}, one of ${agents.length} specialists consulted on the question below; the others (${others.join(', ')}) answer it independently, without seeing your answer.`,
    '## Question',
    question.trim(),
    '## Your answer',
    'Answer from your own specialty: your recommendation first, then the reasons, the risks and trade-offs you see, and what you would need to know to be surer.',
  ].join('\n\n');
}

/** The prompt of the synthesis: the answers come with it as the outputs of the tasks it depends on. */
export function composeSynthesisPrompt(question: string, synthesizer: string, agents: readonly string[]): string {
  return [
    `You are ${synthesizer}. ${agents.length === 1 ? 'A specialist' : `${agents.length} specialists`} (${agents.join(', ')}) answered the question below independently. ` +
      `Their answers are attached as the outputs of the tasks this one depends on (${agents.map((agent) => `\`${answerTaskId(agent)}\``).join(', ')}).`,
    '## Question',
    question.trim(),
    '## Your task',
    'Compare the answers and synthesise them. Answer with these sections:',
    [
      '## Agreement',
      'What the specialists agree on.',
      '',
      '## Differences',
      'Where they differ, who holds which position, and why (different assumptions, priorities or evidence).',
      '',
      '## Recommendation',
      'One recommendation that weighs the answers, with the conditions under which another answer would be better.',
    ].join('\n'),
  ].join('\n\n');
}
