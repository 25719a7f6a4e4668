/** The review queue of mode `branches`: tickets' branches with merge predictions, approved (merged) or rejected by a person. */

/** Queues ticket branches for review, lists them with fresh conflict predictions, and approves (merges, rebasing when needed) or rejects them. */
export { ReviewQueue } from './review-queue.js';
export type { ReviewQueueOptions, EnqueueReviewInput } from './review-queue.js';
