/** Consultations: one question to several agents in parallel, then a synthesis. */
export { consult, prepareConsultation, CONSULT_WORKFLOW_ID } from './consult.js';
export type { ConsultResult, ConsultAnswer, PreparedConsultation } from './consult.js';
export { answerTaskId, SYNTHESIS_TASK_ID, composeAnswerPrompt, composeSynthesisPrompt } from './compose-consult-prompts.js';
