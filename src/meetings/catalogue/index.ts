/** The built-in meeting types: who takes part, the rounds of every topic, and what the facilitator writes. */
export { getMeetingType, listMeetingTypes } from './meeting-type-catalogue.js';
