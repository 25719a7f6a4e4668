import type { InputIssue, RunConfigInput, TaskInput } from '../../core/index.js';
import { createIssuesError } from '../issues-error.js';
import { suggestName } from '../suggest-name.js';
import { toWorkflowIssues } from '../to-workflow-issues.js';
import { composeRoutePrompt, describeTaskList } from './compose-route-prompt.js';
import { routePhaseSchema, routeRequestSchema, type RouteRequest, type RouteRequestInput } from './schema.js';
import { EVIDENCE_RULES, TASK_ROUTES, TASK_TYPES, type RouteMode, type RouteRole, type TaskRoute, type TaskType } from './task-routes.js';

/** A group of tasks that run side by side; each group starts after the one before it has finished. */
export interface RoutePhase {
  readonly name: string;
  readonly taskIds: readonly string[];
}

/** What the router made of a request: tasks ready to run as a workflow, and how they are arranged. */
export interface RoutePlan {
  readonly type: TaskType;
  readonly mode: RouteMode;
  /** The workflow name the run is recorded under. */
  readonly name: string;
  readonly description: string;
  /** In order: parallel plans have the parallel group then the consolidation, sequential ones a phase per step. */
  readonly phases: readonly RoutePhase[];
  readonly tasks: readonly TaskInput[];
  /** Run settings of the plan (`maxParallelAgents`: its widest phase); flags are merged over them. */
  readonly config: RunConfigInput;
  /** The request as parsed, defaults filled. */
  readonly request: RouteRequest;
}

// Rough per-task duration, so the scheduler's critical path sees every step as one unit of work.
const ESTIMATED_TASK_MS = 60_000;
const REQUEST_FIELDS = Object.keys(routeRequestSchema.shape);
const PHASE_FIELDS = Object.keys(routePhaseSchema.shape);

/**
 * Turns a task type and a description into a plan of agent tasks (see {@link TASK_ROUTES} for the
 * default roles of each type):
 * - parallel types (`code_review`, `documentation`, `testing`, `refactoring`): every agent works on
 *   the description at once, then (unless `consolidate: false`) one step merges their outputs;
 * - sequential types (`feature`, `bugfix`, `optimization`): a chain, each step depending on the one before;
 * - `hybrid`: the given `phases` in order, the agents of a phase side by side, each phase
 *   depending on every task of the phase before.
 * `agents` replaces a type's default roles (an agent that plays a default role keeps its
 * instructions). Bad input is one INVALID_INPUT error naming every problem; unknown agent names
 * are left to the graph check before the run, which suggests the closest.
 */
export function routeTask(input: RouteRequestInput): RoutePlan {
  const parsed = routeRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw createIssuesError('INVALID_INPUT', toWorkflowIssues(parsed.error, '', (path) => (path[0] === 'phases' ? PHASE_FIELDS : REQUEST_FIELDS)));
  }
  const request = parsed.data;
  const type = readTaskType(request.type);
  const issues = checkCombination(type, request);
  if (issues.length > 0) throw createIssuesError('INVALID_INPUT', issues);
  if (type === 'hybrid') return planHybrid(request);
  const route = TASK_ROUTES[type];
  return route.mode === 'parallel' ? planParallel(type, route, request) : planSequential(type, route, request);
}

/** `Code-Review` and `code-review` mean `code_review`; anything else unknown is named with the known types. */
function readTaskType(given: string): TaskType {
  const normalised = given.trim().toLowerCase().replaceAll('-', '_');
  const type = TASK_TYPES.find((candidate) => candidate === normalised);
  if (type !== undefined) return type;
  const suggestion = suggestName(normalised, TASK_TYPES);
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  throw createIssuesError('INVALID_INPUT', [{ path: 'type', message: `unknown task type "${given}"${hint}; known types: ${TASK_TYPES.join(', ')}` }], { knownTypes: TASK_TYPES });
}

function checkCombination(type: TaskType, request: RouteRequest): InputIssue[] {
  const issues: InputIssue[] = [];
  if (type === 'hybrid') {
    if (request.phases === undefined) issues.push({ path: 'phases', message: 'a hybrid route needs its phases, in order (name and agents of each)' });
    if (request.agents !== undefined) issues.push({ path: 'agents', message: 'a hybrid route takes its agents per phase, not as one list' });
    const names = (request.phases ?? []).map((phase) => phase.name.toLowerCase());
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index) issues.push({ path: `phases[${index}].name`, message: `phase "${request.phases?.[index]?.name}" is named twice` });
    });
  } else if (request.phases !== undefined) {
    issues.push({ path: 'phases', message: `only a hybrid route takes phases; ${type} is ${TASK_ROUTES[type].mode} (choose its agents with agents)` });
  }
  const isParallel = type !== 'hybrid' && TASK_ROUTES[type].mode === 'parallel';
  if (!isParallel && request.consolidator !== undefined) issues.push({ path: 'consolidator', message: `only parallel types (${parallelTypes().join(', ')}) have a consolidation step` });
  if (isParallel && !request.consolidate && request.consolidator !== undefined) {
    issues.push({ path: 'consolidator', message: 'a consolidator was named but consolidate is false' });
  }
  return issues;
}

function parallelTypes(): TaskType[] {
  return TASK_TYPES.filter((type) => type !== 'hybrid' && TASK_ROUTES[type].mode === 'parallel');
}

function planParallel(type: TaskType, route: TaskRoute, request: RouteRequest): RoutePlan {
  const allocate = createIdAllocator();
  const roles = chooseRoles(route, request, allocate);
  const consolidation = request.consolidate && route.consolidation !== undefined ? { ...route.consolidation, step: allocate(route.consolidation.step), ...(request.consolidator === undefined ? {} : { agentName: request.consolidator }) } : undefined;
  const workers = roles.map((role) => ({ id: role.step, agentName: role.agentName }));
  const tasks = roles.map((role): TaskInput => {
    const others = describeTaskList(workers, ', ', role.step);
    const merge = consolidation === undefined ? ' Nobody merges the outputs afterwards: make yours complete on its own.' : ` The \`${consolidation.step}\` step (${consolidation.agentName}) merges your output with theirs afterwards.`;
    const arrangement = `You are one of ${roles.length} agents working on this at the same time: ${others}. Stay within your part.${merge}`;
    return toTask(request, role, [], composeRoutePrompt({ request, work: route.work, instruction: role.instruction, arrangement, rules: route.rules }));
  });
  if (consolidation !== undefined) {
    const arrangement = `Consolidate the outputs of the ${roles.length} agents that worked on this at the same time: ${describeTaskList(workers, ', ')}. Their outputs are in your context.`;
    tasks.push(toTask(request, consolidation, workers.map((worker) => worker.id), composeRoutePrompt({ request, work: route.work, instruction: consolidation.instruction, arrangement, rules: route.rules })));
  }
  const phases: RoutePhase[] = [{ name: 'parallel', taskIds: workers.map((worker) => worker.id) }, ...(consolidation === undefined ? [] : [{ name: 'consolidate', taskIds: [consolidation.step] }])];
  return toPlan(type, 'parallel', request, phases, tasks);
}

function planSequential(type: TaskType, route: TaskRoute, request: RouteRequest): RoutePlan {
  const allocate = createIdAllocator();
  const roles = chooseRoles(route, request, allocate);
  const chain = roles.map((role) => ({ id: role.step, agentName: role.agentName }));
  const tasks = roles.map((role, index): TaskInput => {
    const previous = roles[index - 1];
    const next = roles[index + 1];
    const arrangement = [
      `This is step ${index + 1} of ${roles.length}: ${describeTaskList(chain, ' → ', role.step)}.`,
      previous === undefined ? 'You start the chain: nothing has been done yet.' : `The output of \`${previous.step}\` and the steps before it is in your context: build on it, and Read the files it names rather than trusting its summary.`,
      next === undefined ? 'You are the last step: end with the outcome of the whole task.' : `\`${next.step}\` (${next.agentName}) works from your output next, so end with what it needs.`,
    ].join(' ');
    const prompt = composeRoutePrompt({ request, work: route.work, instruction: role.instruction, arrangement, rules: route.rules });
    return toTask(request, role, previous === undefined ? [] : [previous.step], prompt);
  });
  return toPlan(type, 'sequential', request, roles.map((role) => ({ name: role.step, taskIds: [role.step] })), tasks);
}

function planHybrid(request: RouteRequest): RoutePlan {
  const allocate = createIdAllocator();
  const phases = request.phases ?? [];
  const groups = phases.map((phase) => phase.agents.map((agentName) => ({ id: allocate(`${phase.name}-${agentName}`), agentName })));
  const order = phases.map((phase) => phase.name).join(' → ');
  const tasks = phases.flatMap((phase, phaseIndex) => {
    const group = groups[phaseIndex] ?? [];
    const before = groups[phaseIndex - 1] ?? [];
    const next = phases[phaseIndex + 1];
    return group.map((member): TaskInput => {
      const arrangement = [
        `This is phase ${phaseIndex + 1} of ${phases.length} ("${phase.name}"; phases: ${order}).`,
        group.length === 1 ? 'You are its only agent.' : `Its agents work at the same time: ${describeTaskList(group, ', ', member.id)}; stay within your part.`,
        phaseIndex === 0 ? 'Nothing has been done before this phase.' : `The outputs of phase "${phases[phaseIndex - 1]?.name}" are in your context: build on them, and Read the files they name.`,
        next === undefined ? 'This is the last phase: end with the outcome of the whole task.' : `Phase "${next.name}" starts when every agent of this phase has finished, and works from your output.`,
      ].join(' ');
      const instruction = phase.instruction ?? `Do the "${phase.name}" part of this task with your skills as \`${member.agentName}\`, and say in your first line what you took on.`;
      const role: RouteRole = { step: member.id, agentName: member.agentName, title: `${phase.name}: ${member.agentName}`, instruction };
      return toTask(request, role, before.map((task) => task.id), composeRoutePrompt({ request, work: 'hybrid', instruction, arrangement, rules: EVIDENCE_RULES }));
    });
  });
  const routePhases = phases.map((phase, index) => ({ name: phase.name, taskIds: (groups[index] ?? []).map((task) => task.id) }));
  return toPlan('hybrid', 'hybrid', request, routePhases, tasks);
}

/**
 * The type's default roles, or one role per agent given: an agent that plays a default role
 * (first unused match) keeps that role's id and instructions, any other gets the type's work in
 * its own words. Ids are made unique (`tester`, `tester-2`).
 */
function chooseRoles(route: TaskRoute, request: RouteRequest, allocate: (base: string) => string): RouteRole[] {
  if (request.agents === undefined) return route.roles.map((role) => ({ ...role, step: allocate(role.step) }));
  const unused = [...route.roles];
  return request.agents.map((agentName) => {
    const matchIndex = unused.findIndex((role) => role.agentName === agentName);
    const match = matchIndex === -1 ? undefined : unused.splice(matchIndex, 1)[0];
    if (match !== undefined) return { ...match, step: allocate(match.step) };
    return {
      step: allocate(agentName),
      agentName,
      title: `${capitalise(route.work)} (${agentName})`,
      instruction: `Do your part of ${route.work} with your skills as \`${agentName}\`, and say in your first line what you took on.`,
    };
  });
}

function toTask(request: RouteRequest, role: RouteRole, dependencies: readonly string[], prompt: string): TaskInput {
  return {
    id: role.step,
    agentName: role.agentName,
    description: role.title,
    prompt,
    dependencies: [...dependencies],
    estimatedMs: ESTIMATED_TASK_MS,
    ...(request.model === undefined ? {} : { model: request.model }),
    ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
    ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
  };
}

function toPlan(type: TaskType, mode: RouteMode, request: RouteRequest, phases: readonly RoutePhase[], tasks: readonly TaskInput[]): RoutePlan {
  const widest = Math.max(1, ...phases.map((phase) => phase.taskIds.length));
  return {
    type,
    mode,
    name: `Routed ${type} (${mode})`,
    description: request.description,
    phases,
    tasks,
    config: { maxParallelAgents: Math.min(widest, 1000) },
    request,
  };
}

function createIdAllocator(): (base: string) => string {
  const used = new Set<string>();
  return (base) => {
    let id = base;
    for (let suffix = 2; used.has(id); suffix++) id = `${base}-${suffix}`;
    used.add(id);
    return id;
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
