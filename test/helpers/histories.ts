// Workflow histories as proto3 JSON files, the shape `temporal workflow show --output json` writes.
// The SDK's historyToJSON/historyFromJSON (@temporalio/common/lib/proto-utils), which
// Worker.runReplayHistory also calls on a JSON history, throw "type must be a Type" in this install:
// @temporalio/common and @temporalio/proto each hold their own copy of protobufjs 8 (the top-level
// protobufjs is gRPC's 7), and protojson checks the History type against its own copy. These convert
// with the protojson of the copy @temporalio/proto's types were built by.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Proto from '@temporalio/proto';
import { projectRoot } from '../../workers/tools';

type History = Proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
}

// Loaded as CommonJS, as the SDK loads them (an ES namespace of @temporalio/proto is no protobufjs root).
const load = createRequire(join(projectRoot, 'package.json'));
const proto = load('@temporalio/proto') as typeof Proto;
const { patchProtobufRoot } = load('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot(root: unknown): { lookupType(name: string): unknown } };
const { toJson, fromJson } = createRequire(load.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
const historyType = patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History');

export async function writeHistory(file: string, history: History): Promise<void> {
  const message = proto.temporal.api.history.v1.History.fromObject(history);
  await writeFile(file, `${JSON.stringify(toJson(historyType, message), null, 2)}\n`);
}

export async function readHistory(file: string): Promise<History> {
  return fromJson(historyType, JSON.parse(await readFile(file, 'utf8')), { ignoreUnknownFields: true }) as History;
}
