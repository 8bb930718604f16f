// The workflow engine: runs CNCF Serverless Workflow 1.0 documents (a subset, plus the
// Stigmer `call: agent` extension). A pure library: events and agent calls go through hooks.
export { runWorkflow } from "./engine.ts";
/** Loads jq ahead of the first run that needs it (a daemon can call it at start-up). */
export { loadJq as preloadJq } from "./jq.ts";
export {
  checkWorkflowDocument,
  engineProblems,
  loadWorkflowSchema,
  validateWorkflowDocument,
  workflowSchemaLoaded,
} from "./validate.ts";
export {
  ERROR_TYPES,
  formatProblem,
  type ProblemDetails,
  WorkflowCancelledError,
  WorkflowDefinitionError,
  WorkflowError,
  type WorkflowProblem,
} from "./errors.ts";
export { MAX_EVENT_DATA_CHARS } from "./events.ts";
export type {
  AgentCallRequest,
  CloudEvent,
  EngineEvent,
  EngineHooks,
  EngineJournal,
  EventHooks,
  JournalEntry,
  RunOptions,
  TaskDefinition,
  TaskList,
  WorkflowDocument,
  WorkflowRef,
} from "./types.ts";
