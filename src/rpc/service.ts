// The shape of a ts-proto "generic-definitions" service, as both sides of the
// wire use it: the CLI's fetch client calls it, the grpc-js server serves it.
import type { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";

export interface MessageType<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  fromPartial(object: never): T;
}

export interface MethodDefinition {
  name: string;
  requestType: MessageType<unknown>;
  responseType: MessageType<unknown>;
  requestStream: boolean;
  responseStream: boolean;
}

export interface ServiceDefinition {
  fullName: string;
  methods: Record<string, MethodDefinition>;
}

type Builtin =
  | Date
  | ((...args: never[]) => unknown)
  | Uint8Array
  | string
  | number
  | boolean
  | undefined;

/** What `fromPartial` accepts: any field may be left out, at any depth (as ts-proto defines it). */
export type DeepPartial<T> = T extends Builtin ? T
  : T extends Array<infer U> ? Array<DeepPartial<U>>
  : T extends ReadonlyArray<infer U> ? ReadonlyArray<DeepPartial<U>>
  : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> }
  : Partial<T>;
