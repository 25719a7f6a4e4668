export { codeReviewTemplate } from './code-review.js';
export { featureTemplate } from './feature.js';
