/** Tickets worked by a team of agents on one repository: options, assignment, admission, failure policy, and the dispatcher around each attempt. */
export { ISOLATION_MODES, ticketRunOptionsSchema, teamMemberSchema, parseTeam, overlapThresholdOf } from './ticket-run-options.js';
export type { IsolationMode, TeamMember, TicketRunOptions, TicketRunOptionsInput } from './ticket-run-options.js';
export { pickAssignment, measureOverlap } from './pick-assignment.js';
export type { Assignment, AssignmentInput, TicketInProgress } from './pick-assignment.js';
export { TicketAdmission } from './ticket-admission.js';
export type { TicketAdmissionOptions, TicketAssignment } from './ticket-admission.js';
export { createTicketFailurePolicy, decideTicketFailure } from './ticket-failure-policy.js';
export type { FailedTicket, TicketFailureNotes } from './ticket-failure-policy.js';
export { TicketDispatcher, commitMessage } from './ticket-dispatcher.js';
export type { TicketDispatcherOptions } from './ticket-dispatcher.js';
export { createStoreLeaseGuard, leaseOwnerOf } from './store-lease-guard.js';
export type { StoreLeaseGuardOptions } from './store-lease-guard.js';
export { checkLeasedWrite, toLeaseRefusal, toRequestedPatterns, EMPTY_LEASE_REQUEST, describeHolder } from './lease-check.js';
export type { LeasedWriteInput } from './lease-check.js';
export { composeTicketPrompt } from './compose-ticket-prompt.js';
