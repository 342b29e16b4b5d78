/**
 * A local AWS Step Functions endpoint: an HTTP server that speaks the Step Functions JSON protocol
 * (POST /, `X-Amz-Target: AWSStepFunctions.<Op>`, `application/x-amz-json-1.0`), so the real
 * `@aws-sdk/client-sfn` reaches it by endpoint (AWS_ENDPOINT_URL_SFN). Executions run with
 * `aws-local-stepfunctions`; every Task state is overridden by state name to call a handler in
 * process, as Lambda would.
 *
 * Task tokens: aws-local-stepfunctions has none, this endpoint provides them. For a Task whose
 * Resource ends in `.waitForTaskToken`:
 *   - a random opaque token is created per attempt;
 *   - it is passed to the handler in its input as `taskToken` (added to the payload when the
 *     payload is a JSON object), and every `"x.$": "$$.Task.Token"` in the state's Parameters is
 *     replaced by the token, as Step Functions would;
 *   - the state then waits for SendTaskSuccess (its output becomes the task result) or
 *     SendTaskFailure (fails the state with that error/cause, so Retry/Catch see it);
 *   - `HeartbeatSeconds` fails it with States.HeartbeatTimeout unless SendTaskHeartbeat comes in
 *     time; `TimeoutSeconds` fails it with States.Timeout.
 *
 * Errors thrown by a handler are turned into the error Step Functions would see from Lambda:
 * the Error is the thrown error's `name` (Lambda's errorType) and the Cause is the Lambda error
 * JSON `{"errorType","errorMessage","trace"}`.
 */
// Handlers loaded here may stream: the Lambda runtime's `awslambda` global, ours locally.
import './lambda-streaming.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { workflowTasks } from '#handlers/tasks/tasks.ts';

export type TaskHandler = (input: unknown) => unknown | Promise<unknown>;

export interface LocalStateMachine {
  /** arn:aws:states:<region>:<account>:stateMachine:<name> */
  arn: string;
  /** The ASL definition (object or JSON string). */
  definition: object | string;
  /** State name -> handler. Every Task state needs one. */
  tasks: Record<string, TaskHandler>;
  /**
   * Called when an execution of this machine ends FAILED, TIMED_OUT or ABORTED (not when the endpoint stops), with
   * what EventBridge's "Step Functions Execution Status Change" event carries as its detail. Per machine, as the
   * rule in AWS names the one state machine it watches.
   */
  onExecutionEnded?: (detail: ExecutionStatusChangeDetail) => Promise<unknown> | unknown;
}

export interface LocalStepFunctionsOptions {
  stateMachines: LocalStateMachine[];
  /** 0 or undefined: a free port. */
  port?: number;
  host?: string;
  /** Replace every Retry interval by this many milliseconds (tests). Default: the ASL's own intervals. */
  retryIntervalMs?: number;
  /** Called with a short message on execution end (no input/output: they may hold personal data). */
  log?: (message: string) => void;
  /** Replace the state machines' top-level TimeoutSeconds (tests). */
  executionTimeoutSeconds?: number;
}

/** The detail of EventBridge's "Step Functions Execution Status Change" event, as far as it is used here. */
export interface ExecutionStatusChangeDetail {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  error?: string;
  cause?: string;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  abort: () => void;
  done: Promise<void>;
}

interface PendingTask {
  executionArn: string;
  settled: boolean;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  heartbeatMs?: number;
  heartbeatTimer?: NodeJS.Timeout;
  timeoutTimer?: NodeJS.Timeout;
}

export interface LocalStepFunctions {
  url: string;
  port: number;
  /** Resolves when the execution is no longer RUNNING (tests, graceful stop). */
  waitForExecution(executionArn: string): Promise<void>;
  /** What AWS would bill so far: states entered (state transitions), Lambda invocations by tasks and their ms. */
  usage(): { stateTransitions: number; lambdaInvocations: number; lambdaMs: number };
  stop(): Promise<void>;
}

/** A Step Functions API error: `__type` is the SDK's exception name. */
export class SfnApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

const TOKEN_PLACEHOLDER = '__custodian_local_task_token__';
/** setTimeout's ceiling (~24.8 days): used instead of the library's 60 s default for token waits. */
const MAX_TIMEOUT_SECONDS = Math.floor(0x7fffffff / 1000);

/** Builds the error the ASL sees: name = Lambda errorType, message = Lambda error JSON (the Cause). */
export function toTaskError(err: unknown): Error {
  const errorType = err instanceof Error ? err.name || 'Error' : 'Error';
  const errorMessage = err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
  const trace = err instanceof Error && err.stack ? err.stack.split('\n') : [];
  const e = new Error(JSON.stringify({ errorType, errorMessage, trace }));
  e.name = errorType;
  return e;
}

function namedError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type StateDef = Record<string, any>;

/** Visits every state of a definition, including Map processors and Parallel branches. */
function forEachState(def: StateDef, fn: (name: string, state: StateDef) => void): void {
  for (const [name, state] of Object.entries<StateDef>(def.States ?? {})) {
    fn(name, state);
    if (state.Type === 'Map') {
      const inner = state.ItemProcessor ?? state.Iterator;
      if (inner) forEachState(inner, fn);
    }
    if (state.Type === 'Parallel') for (const b of state.Branches ?? []) forEachState(b, fn);
  }
}

function replaceTaskTokenRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(replaceTaskTokenRefs);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k.endsWith('.$') && v === '$$.Task.Token') out[k.slice(0, -2)] = TOKEN_PLACEHOLDER;
      else out[k] = replaceTaskTokenRefs(v);
    }
    return out;
  }
  return value;
}

function substitutePlaceholder(value: unknown, token: string): unknown {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => substitutePlaceholder(v, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitutePlaceholder(v, token)]));
  }
  return value;
}

/**
 * Prepares a definition for aws-local-stepfunctions: `$$.Task.Token` references become a
 * placeholder the override fills in, and token waits get a long TimeoutSeconds (the library's
 * default Task timeout is 60 s; Step Functions has none).
 */
export function prepareDefinition(
  definition: object | string,
  executionTimeoutSeconds?: number,
): { definition: StateDef; tasks: Map<string, StateDef> } {
  const def: StateDef = structuredClone(typeof definition === 'string' ? JSON.parse(definition) : definition);
  if (executionTimeoutSeconds !== undefined) def.TimeoutSeconds = executionTimeoutSeconds;
  // The library times an execution with one setTimeout, which fires at once past its ceiling (~24.8 days).
  if (typeof def.TimeoutSeconds === 'number') def.TimeoutSeconds = Math.min(def.TimeoutSeconds, MAX_TIMEOUT_SECONDS);
  const tasks = new Map<string, StateDef>();
  forEachState(def, (name, state) => {
    if (state.Type !== 'Task') return;
    if (typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) {
      if (state.Parameters) state.Parameters = replaceTaskTokenRefs(state.Parameters);
      // aws-local-stepfunctions reads TimeoutSecondsPath against the task's Parameters, not its input as
      // Step Functions does: this endpoint times path waits itself (the override keeps the paths).
      const paths = { TimeoutSecondsPath: state.TimeoutSecondsPath, HeartbeatSecondsPath: state.HeartbeatSecondsPath };
      delete state.TimeoutSecondsPath;
      delete state.HeartbeatSecondsPath;
      const timedByPath = paths.TimeoutSecondsPath !== undefined;
      if (state.TimeoutSeconds === undefined) state.TimeoutSeconds = MAX_TIMEOUT_SECONDS;
      tasks.set(name, { ...state, ...paths, timedByPath });
      return;
    }
    tasks.set(name, state);
  });
  return { definition: def, tasks };
}

function isLambdaInvoke(resource: string): boolean {
  return /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource);
}

/** Task handlers for a task table (the workflowTasks table by default), loaded lazily (after the runtime has set env). */
export function taskHandlersFromTable(
  table: Record<string, { handler: string }> = workflowTasks,
  dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../functions/handlers/tasks'),
): Record<string, TaskHandler> {
  const out: Record<string, TaskHandler> = {};
  for (const [stateName, spec] of Object.entries(table)) {
    let loaded: Promise<TaskHandler> | undefined;
    out[stateName] = async (input) => {
      loaded ??= import(pathToFileURL(path.join(dir, `${spec.handler}.ts`)).href).then((m) => {
        if (typeof m.handler !== 'function') throw new Error(`task module ${spec.handler} exports no handler`);
        return m.handler as TaskHandler;
      });
      const fn = await loaded.catch((e) => {
        loaded = undefined;
        throw e;
      });
      return fn(input);
    };
  }
  return out;
}

function epochSeconds(d: Date | undefined): number | undefined {
  return d ? d.getTime() / 1000 : undefined;
}

export async function startLocalStepFunctions(opts: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const log = opts.log ?? (() => {});
  const machines = new Map<
    string,
    {
      arn: string;
      name: string;
      definition: StateDef;
      tasks: Map<string, StateDef>;
      handlers: Record<string, TaskHandler>;
      machine: StateMachine;
      onExecutionEnded: LocalStateMachine['onExecutionEnded'];
    }
  >();
  for (const sm of opts.stateMachines) {
    const { definition, tasks } = prepareDefinition(sm.definition, opts.executionTimeoutSeconds);
    for (const name of tasks.keys()) {
      if (!sm.tasks[name]) throw new Error(`state machine ${sm.arn}: no local handler for Task state ${name}`);
    }
    const machine = new StateMachine(definition as StateMachineDefinition, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    machines.set(sm.arn, {
      arn: sm.arn,
      name: sm.arn.split(':').pop()!,
      definition,
      tasks,
      handlers: sm.tasks,
      machine,
      onExecutionEnded: sm.onExecutionEnded,
    });
  }

  const executions = new Map<string, ExecutionRecord>();
  const pending = new Map<string, PendingTask>();
  const usage = { stateTransitions: 0, lambdaInvocations: 0, lambdaMs: 0 };
  /** Set by stop(): what it aborts is the endpoint going away, not an execution ending badly. */
  let stopping = false;

  function settleTask(token: string, outcome: { ok: true; value: unknown } | { ok: false; error: Error }): void {
    const t = pending.get(token);
    if (!t || t.settled) return;
    t.settled = true;
    clearTimeout(t.heartbeatTimer);
    clearTimeout(t.timeoutTimer);
    if (outcome.ok) t.resolve(outcome.value);
    else t.reject(outcome.error);
  }

  function makeOverride(executionArn: string, stateName: string, state: StateDef, task: TaskHandler) {
    const resource: string = state.Resource ?? '';
    const lambdaInvoke = isLambdaInvoke(resource);
    const waitForToken = resource.endsWith('.waitForTaskToken');
    const billed = lambdaInvoke || resource.startsWith('arn:aws:lambda:');
    // Billed as Lambda: the handler's own time (a token task's wait for its callback is not).
    const handler: TaskHandler = async (payload) => {
      const started = performance.now();
      try {
        return await task(payload);
      } finally {
        if (billed) usage.lambdaMs += performance.now() - started;
      }
    };
    // The library may stop awaiting a task (its execution failed or was stopped) while a token wait
    // still ends later: the rejection then has no one to go to, and must not be "unhandled".
    return (rawInput: unknown): Promise<Json> => {
      if (billed) usage.lambdaInvocations++;
      const run = runTask(rawInput);
      run.catch(() => {});
      return run;
    };
    async function runTask(rawInput: unknown): Promise<Json> {
      let token: string | undefined;
      let input = rawInput;
      if (waitForToken) {
        token = randomBytes(48).toString('base64url');
        input = substitutePlaceholder(input, token);
      }
      // lambda:invoke service integration: the handler gets Parameters.Payload, the result is wrapped.
      let payload =
        lambdaInvoke && input && typeof input === 'object' && 'FunctionName' in input
          ? ((input as any).Payload ?? {})
          : input;
      if (token && payload && typeof payload === 'object' && !Array.isArray(payload))
        payload = { ...payload, taskToken: token };

      if (!waitForToken) {
        let result: unknown;
        try {
          result = await handler(structuredClone(payload));
        } catch (err) {
          throw toTaskError(err);
        }
        const json = (result === undefined ? null : JSON.parse(JSON.stringify(result))) as Json;
        if (!lambdaInvoke) return json;
        return {
          ExecutedVersion: '$LATEST',
          Payload: json,
          SdkHttpMetadata: { HttpStatusCode: 200, HttpHeaders: {}, AllHttpHeaders: {} },
          SdkResponseMetadata: { RequestId: randomUUID() },
          StatusCode: 200,
        };
      }

      // waitForTaskToken: register the token before the handler can use it.
      const { promise, resolve, reject } = Promise.withResolvers<unknown>();
      // Settled (a SendTask*, a timeout, the endpoint stopping) maybe before the handler returns and it is awaited.
      promise.catch(() => {});
      const t: PendingTask = { executionArn, settled: false, resolve, reject };
      pending.set(token!, t);
      // `HeartbeatSecondsPath`/`TimeoutSecondsPath` (`$.name`) are read from the task's payload, which
      // carries the same values as the state input (the workflow passes them on by the same names).
      const secondsAt = (p: unknown): number | undefined => {
        const v =
          typeof p === 'string' && /^\$\.[A-Za-z0-9_]+$/.test(p) && payload && typeof payload === 'object'
            ? (payload as Record<string, unknown>)[p.slice(2)]
            : undefined;
        return typeof v === 'number' && v > 0 ? v : undefined;
      };
      const heartbeatSeconds =
        secondsAt(state.HeartbeatSecondsPath) ??
        (typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined);
      if (heartbeatSeconds !== undefined) {
        t.heartbeatMs = heartbeatSeconds * 1000;
        t.heartbeatTimer = setTimeout(
          () =>
            settleTask(token!, { ok: false, error: namedError('States.HeartbeatTimeout', 'States.HeartbeatTimeout') }),
          t.heartbeatMs,
        );
      }
      // A static TimeoutSeconds: the library's own race fails the state with States.Timeout (which
      // States.TaskFailed does not catch), and this only expires the token after it, so a late SendTask*
      // gets TaskTimedOut. A TimeoutSecondsPath: this fails the state (locally, a States.TaskFailed
      // catcher would see it; ours catch States.ALL).
      const timeoutSeconds =
        secondsAt(state.TimeoutSecondsPath) ??
        (typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : MAX_TIMEOUT_SECONDS);
      t.timeoutTimer = setTimeout(
        () =>
          state.timedByPath
            ? settleTask(token!, { ok: false, error: namedError('States.Timeout', 'States.Timeout') })
            : ((t.settled = true), clearTimeout(t.heartbeatTimer)),
        Math.min(timeoutSeconds * 1000 + (state.timedByPath ? 0 : 20), 0x7fffffff),
      );
      const asyncInvoke = lambdaInvoke && (input as any)?.InvocationType === 'Event';
      try {
        const call = Promise.resolve().then(() => handler(structuredClone(payload)));
        if (asyncInvoke) call.catch(() => log(`${stateName}: async task handler failed`));
        else await call;
      } catch (err) {
        settleTask(token!, { ok: false, error: toTaskError(err) });
      }
      try {
        const out = await promise;
        return out as Json;
      } finally {
        // Keep the record so a late SendTask* gets TaskTimedOut, not TaskDoesNotExist.
        t.settled = true;
      }
    }
  }

  function startExecution(body: any): { executionArn: string; startDate: number } {
    const smArn = body.stateMachineArn;
    if (typeof smArn !== 'string') throw new SfnApiError('InvalidArn', 'stateMachineArn is required');
    const sm = machines.get(smArn);
    if (!sm) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${smArn}'`);
    const name: string = body.name ?? randomUUID();
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new SfnApiError('InvalidName', 'Invalid Name');
    const inputText: string = body.input ?? '{}';
    let input: Json;
    try {
      input = JSON.parse(inputText);
    } catch {
      throw new SfnApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input');
    }
    const executionArn = `${smArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = executions.get(executionArn);
    if (existing) {
      // Standard workflows: same name + same input while RUNNING is idempotent; otherwise ExecutionAlreadyExists.
      if (existing.status === 'RUNNING' && existing.input === inputText) {
        return { executionArn, startDate: epochSeconds(existing.startDate)! };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }

    const handlers: Record<string, (i: any) => Promise<Json>> = {};
    for (const [stateName, state] of sm.tasks) {
      handlers[stateName] = makeOverride(executionArn, stateName, state, sm.handlers[stateName]);
    }
    const retryIntervalOverrides: Record<string, number> = {};
    if (opts.retryIntervalMs !== undefined) {
      forEachState(sm.definition, (n, s) => {
        if (s.Retry) retryIntervalOverrides[n] = opts.retryIntervalMs!;
      });
    }
    const startDate = new Date();
    const run = sm.machine.run(input, {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          RoleArn: 'arn:aws:iam::000000000000:role/local',
          StartTime: startDate.toISOString(),
        },
        StateMachine: { Id: smArn, Name: sm.name },
      },
    });
    // Standard workflows bill a state transition for each state entered (Map iterations' states too).
    void (async () => {
      for await (const e of run.eventLogs) if (e.type === 'StateEntered') usage.stateTransitions++;
    })().catch(() => {});
    const rec: ExecutionRecord = {
      executionArn,
      stateMachineArn: smArn,
      name,
      status: 'RUNNING',
      input: inputText,
      startDate,
      abort: run.abort,
      done: Promise.resolve(),
    };
    rec.done = run.result
      .then(
        (out) => {
          if (rec.status !== 'RUNNING') return;
          rec.status = 'SUCCEEDED';
          rec.output = JSON.stringify(out ?? null);
        },
        (err: unknown) => {
          if (rec.status !== 'RUNNING') return;
          if (err instanceof ExecutionAbortedError) {
            rec.status = 'ABORTED';
          } else if (err instanceof ExecutionTimeoutError) {
            rec.status = 'TIMED_OUT';
            rec.error = 'States.Timeout';
          } else {
            const inner = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : (err as Error);
            rec.status = 'FAILED';
            rec.error = inner?.name ?? 'Error';
            rec.cause = inner?.message ?? String(err);
          }
        },
      )
      .finally(() => {
        rec.stopDate ??= new Date();
        for (const [token, t] of pending) {
          if (t.executionArn === executionArn) {
            settleTask(token, { ok: false, error: namedError('States.Runtime', 'execution closed') });
          }
        }
        log(`execution ${name} ${rec.status}${rec.error ? ` (${rec.error})` : ''}`);
      })
      .then(() => executionEnded(rec));
    executions.set(executionArn, rec);
    return { executionArn, startDate: epochSeconds(startDate)! };
  }

  /** What AWS delivers through EventBridge, delivered here in process: a bad end is reconciled. */
  async function executionEnded(rec: ExecutionRecord): Promise<void> {
    const onExecutionEnded = machines.get(rec.stateMachineArn)?.onExecutionEnded;
    if (stopping || !onExecutionEnded || !['FAILED', 'TIMED_OUT', 'ABORTED'].includes(rec.status)) return;
    try {
      await onExecutionEnded({
        executionArn: rec.executionArn,
        stateMachineArn: rec.stateMachineArn,
        name: rec.name,
        status: rec.status,
        input: rec.input,
        ...(rec.error !== undefined ? { error: rec.error } : {}),
        ...(rec.cause !== undefined ? { cause: rec.cause } : {}),
      });
    } catch (err) {
      log(`execution ${rec.name}: its end could not be reconciled (${(err as Error).name})`);
    }
  }

  function getExecution(arn: unknown): ExecutionRecord {
    const rec = typeof arn === 'string' ? executions.get(arn) : undefined;
    if (!rec) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return rec;
  }

  function getPending(token: unknown): PendingTask {
    if (typeof token !== 'string' || token.length === 0) throw new SfnApiError('InvalidToken', 'Invalid Token');
    const t = pending.get(token);
    if (!t) throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist');
    if (t.settled) throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
    return t;
  }

  const ops: Record<string, (body: any) => unknown> = {
    StartExecution: startExecution,
    DescribeExecution(body) {
      const r = getExecution(body.executionArn);
      return {
        executionArn: r.executionArn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: epochSeconds(r.startDate),
        stopDate: epochSeconds(r.stopDate),
        input: r.input,
        inputDetails: { included: true },
        ...(r.output !== undefined ? { output: r.output, outputDetails: { included: true } } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.cause !== undefined ? { cause: r.cause } : {}),
      };
    },
    ListExecutions(body) {
      if (!machines.has(body.stateMachineArn)) {
        throw new SfnApiError(
          'StateMachineDoesNotExist',
          `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`,
        );
      }
      const all = [...executions.values()]
        .filter(
          (r) => r.stateMachineArn === body.stateMachineArn && (!body.statusFilter || r.status === body.statusFilter),
        )
        .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
      const offset = body.nextToken ? Number.parseInt(body.nextToken, 10) || 0 : 0;
      const max = body.maxResults && body.maxResults > 0 ? body.maxResults : 100;
      const page = all.slice(offset, offset + max);
      return {
        executions: page.map((r) => ({
          executionArn: r.executionArn,
          stateMachineArn: r.stateMachineArn,
          name: r.name,
          status: r.status,
          startDate: epochSeconds(r.startDate),
          stopDate: epochSeconds(r.stopDate),
        })),
        ...(offset + max < all.length ? { nextToken: String(offset + max) } : {}),
      };
    },
    StopExecution(body) {
      const r = getExecution(body.executionArn);
      if (r.status === 'RUNNING') {
        r.status = 'ABORTED';
        r.stopDate = new Date();
        if (body.error !== undefined) r.error = body.error;
        if (body.cause !== undefined) r.cause = body.cause;
        r.abort();
      }
      return { stopDate: epochSeconds(r.stopDate ?? new Date()) };
    },
    SendTaskSuccess(body) {
      const t = getPending(body.taskToken);
      let output: unknown;
      try {
        output = JSON.parse(body.output);
      } catch {
        throw new SfnApiError('InvalidOutput', 'Invalid Output');
      }
      settleTask(body.taskToken, { ok: true, value: output });
      void t;
      return {};
    },
    SendTaskFailure(body) {
      getPending(body.taskToken);
      settleTask(body.taskToken, { ok: false, error: namedError(body.error ?? '', body.cause ?? '') });
      return {};
    },
    SendTaskHeartbeat(body) {
      const t = getPending(body.taskToken);
      if (t.heartbeatTimer) {
        clearTimeout(t.heartbeatTimer);
        const token = body.taskToken as string;
        t.heartbeatTimer = setTimeout(
          () =>
            settleTask(token, { ok: false, error: namedError('States.HeartbeatTimeout', 'States.HeartbeatTimeout') }),
          t.heartbeatMs,
        );
      }
      return {};
    },
    DescribeStateMachine(body) {
      const sm = machines.get(body.stateMachineArn);
      if (!sm)
        throw new SfnApiError(
          'StateMachineDoesNotExist',
          `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`,
        );
      return {
        stateMachineArn: sm.arn,
        name: sm.name,
        status: 'ACTIVE',
        type: 'STANDARD',
        definition: JSON.stringify(sm.definition),
        roleArn: 'arn:aws:iam::000000000000:role/local',
        creationDate: 0,
      };
    },
    ListStateMachines() {
      return {
        stateMachines: [...machines.values()].map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: 'STANDARD',
          creationDate: 0,
        })),
      };
    },
  };

  function send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(text);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      if (req.method !== 'POST') throw new SfnApiError('UnknownOperationException', 'POST only');
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
      const fn = ops[op];
      if (!fn) throw new SfnApiError('UnknownOperationException', `Unknown operation ${target}`);
      let body: unknown;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        throw new SfnApiError('SerializationException', 'Malformed JSON');
      }
      send(res, 200, (await fn(body ?? {})) ?? {});
    } catch (err) {
      if (err instanceof SfnApiError) send(res, err.status, { __type: err.type, message: err.message });
      else send(res, 500, { __type: 'InternalFailure', message: 'internal error' });
    }
  }

  const server: Server = createServer((req, res) => void onRequest(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  let stopped = false;
  return {
    url,
    port,
    async waitForExecution(executionArn) {
      await getExecution(executionArn).done;
    },
    usage: () => ({ ...usage }),
    async stop() {
      if (stopped) return;
      stopped = true;
      stopping = true;
      for (const r of executions.values()) {
        if (r.status === 'RUNNING') {
          r.status = 'ABORTED';
          r.stopDate = new Date();
          r.abort();
        }
      }
      for (const token of pending.keys())
        settleTask(token, { ok: false, error: namedError('States.Runtime', 'endpoint stopped') });
      await Promise.allSettled([...executions.values()].map((r) => r.done));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
