/**
 * aws-local-stepfunctions runs inline Maps only: it has no ItemReader (a Distributed Map reading its items
 * from S3) and no ItemBatcher. This rewrites such a Map for it: a Task state before the Map (the Map's name
 * plus `.ReadItems`) reads the object from the local S3 with the ItemReader's own parameters and cuts it into
 * the batches the ItemBatcher would (`{BatchInput, Items}`); the Map, now inline, runs the same item
 * processor over them with its MaxConcurrency. JSONL objects only (what the ECIF load stages).
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { TaskHandler } from './stepfunctions.ts';

type StateDef = Record<string, any>;

export const readItemsState = (mapName: string) => `${mapName}.ReadItems`;

export function inlineItemReaders(definition: object): { definition: object; tasks: Record<string, TaskHandler> } {
  const def: StateDef = structuredClone(definition);
  const tasks: Record<string, TaskHandler> = {};
  for (const [name, state] of Object.entries<StateDef>({ ...def.States })) {
    if (state.Type !== 'Map' || !state.ItemReader) continue;
    const reader = state.ItemReader;
    if (reader.ReaderConfig?.InputType !== 'JSONL')
      throw new Error(`Map ${name}: the local runtime reads JSONL item readers only`);
    const batcher = state.ItemBatcher ?? {};
    const read = readItemsState(name);
    def.States[read] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::s3:getObject',
      Parameters: {
        ...reader.Parameters,
        ...(batcher.BatchInput ? { BatchInput: batcher.BatchInput } : {}),
        MaxItemsPerBatch: batcher.MaxItemsPerBatch ?? 0,
      },
      ResultPath: '$.__localItems',
      Next: name,
      ...(state.Catch ? { Catch: state.Catch } : {}),
      ...(state.Retry ? { Retry: state.Retry } : {}),
    };
    delete state.ItemReader;
    delete state.ItemBatcher;
    const processor = state.ItemProcessor;
    if (processor?.ProcessorConfig) processor.ProcessorConfig = { Mode: 'INLINE' };
    state.ItemsPath = '$.__localItems';
    // Whatever led to the Map now leads to the read first.
    redirect(def, name, read);
    tasks[read] = readBatches;
  }
  return { definition: def, tasks };
}

function redirect(def: StateDef, from: string, to: string): void {
  if (def.StartAt === from) def.StartAt = to;
  for (const [name, s] of Object.entries<StateDef>(def.States)) {
    if (name === to) continue;
    if (s.Next === from) s.Next = to;
    if (s.Default === from) s.Default = to;
    for (const c of [...(s.Catch ?? []), ...(s.Choices ?? [])]) if (c.Next === from) c.Next = to;
  }
}

let s3: S3Client | undefined;

/** The object, line by line, in batches as the ItemBatcher cuts them (or one item each without a batcher). */
async function readBatches(input: unknown): Promise<unknown[]> {
  const { Bucket, Key, BatchInput, MaxItemsPerBatch } = input as {
    Bucket: string;
    Key: string;
    BatchInput?: unknown;
    MaxItemsPerBatch: number;
  };
  s3 ??= new S3Client({ forcePathStyle: true });
  const { Body } = await s3.send(new GetObjectCommand({ Bucket, Key }));
  const items: unknown[] = [];
  for await (const line of createInterface({ input: Body as Readable, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line.trim() !== '') items.push(JSON.parse(line));
  }
  if (!MaxItemsPerBatch) return items;
  const batches: unknown[] = [];
  for (let i = 0; i < items.length; i += MaxItemsPerBatch) {
    batches.push({ ...(BatchInput !== undefined ? { BatchInput } : {}), Items: items.slice(i, i + MaxItemsPerBatch) });
  }
  return batches;
}
