export { registerAgentsCommands } from './agents-command.js';
export { registerChatCommand } from './chat-command.js';
export { registerMemoryCommands } from './memory-command.js';
export { registerResumeCommand } from './resume-command.js';
export { registerRunCommand } from './run-command.js';
export { registerRunsCommands } from './runs-command.js';
export { registerWorkflowsCommands } from './workflows-command.js';
