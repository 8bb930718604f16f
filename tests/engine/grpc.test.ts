// call: grpc against a grpc-js server this test starts on loopback: the proto read from a
// file:// URL, a unary call with arguments from expressions, a failing call's standard error.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import {
  ERROR_TYPES,
  runWorkflow,
  WorkflowCancelledError,
  WorkflowError,
} from "../../src/engine/mod.ts";
import { recorder, rejection, run, workflow } from "./helpers.ts";

const PROTO = `syntax = "proto3";
package GreeterApi;
service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply);
  rpc Fail (HelloRequest) returns (HelloReply);
  rpc Hang (HelloRequest) returns (HelloReply);
}
message HelloRequest { string name = 1; int32 times = 2; }
message HelloReply { string message = 1; }
`;

async function withGreeter(body: (port: number, protoUrl: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "stigmer-grpc-" });
  await Deno.writeTextFile(`${dir}/greet.proto`, PROTO);
  const root = protobuf.parse(PROTO).root;
  const Request = root.lookupType("GreeterApi.HelloRequest");
  const Reply = root.lookupType("GreeterApi.HelloReply");
  const method = (name: string) => ({
    path: `/GreeterApi.Greeter/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: object) => Buffer.from(Request.encode(Request.fromObject(v)).finish()),
    requestDeserialize: (b: Uint8Array) => Request.toObject(Request.decode(b)),
    responseSerialize: (v: object) => Buffer.from(Reply.encode(Reply.fromObject(v)).finish()),
    responseDeserialize: (b: Uint8Array) => Reply.toObject(Reply.decode(b)),
  });
  const server = new grpc.Server();
  const sayHello: grpc.handleUnaryCall<{ name: string; times: number }, object> = (
    call,
    callback,
  ) => callback(null, { message: `hello ${call.request.name} x${call.request.times}` });
  const fail: grpc.handleUnaryCall<object, object> = (_call, callback) =>
    callback({ code: grpc.status.UNAVAILABLE, details: "greeter is resting" });
  const hang: grpc.handleUnaryCall<object, object> = () => {}; // never answers
  server.addService(
    { SayHello: method("SayHello"), Fail: method("Fail"), Hang: method("Hang") },
    { SayHello: sayHello, Fail: fail, Hang: hang },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (e, p) => e ? reject(e) : resolve(p),
    )
  );
  try {
    await body(port, `file://${dir}/greet.proto`);
  } finally {
    server.forceShutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

const greet = (port: number, proto: string, method: string) => ({
  call: "grpc",
  with: {
    proto: { endpoint: proto },
    service: { name: "GreeterApi.Greeter", host: "127.0.0.1", port },
    method,
    arguments: { name: "${ .user.preferredDisplayName }", times: 2 },
  },
});

Deno.test("call grpc: a unary call with arguments from expressions; the reply is the output", () =>
  withGreeter(async (port, proto) => {
    const { output, hooks } = await run(
      workflow([{ greet: greet(port, proto, "SayHello") }]),
      { user: { preferredDisplayName: "Ada" } },
    );
    assert.deepEqual(output, { message: "hello Ada x2" });
    assert.deepEqual(hooks.trace(), ["task.started do/0/greet", "task.completed do/0/greet"]);
  }));

Deno.test("call grpc: a failing call is a communication error with the mapped status", () =>
  withGreeter(async (port, proto) => {
    const error = await rejection(run(workflow([{ greet: greet(port, proto, "Fail") }]), {
      user: { preferredDisplayName: "Ada" },
    }));
    assert.ok(error instanceof WorkflowError);
    assert.equal(error.type, ERROR_TYPES.communication);
    assert.equal(error.status, 503);
    assert.equal(error.instance, "/do/0/greet");
    assert.match(error.message, /greeter is resting/);
    const missing = await rejection(run(workflow([{ greet: greet(port, proto, "Nope") }])));
    assert.ok(missing instanceof WorkflowError);
    assert.equal(missing.type, ERROR_TYPES.configuration);
  }));

Deno.test("call grpc: cancelling the run cancels the call in flight", () =>
  withGreeter(async (port, proto) => {
    const controller = new AbortController();
    const hooks = recorder();
    const running = runWorkflow(
      workflow([{ greet: greet(port, proto, "Hang") }]),
      { user: { preferredDisplayName: "Ada" } },
      hooks,
      { signal: controller.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    assert.ok((await rejection(running)) instanceof WorkflowCancelledError);
    assert.deepEqual(hooks.trace(), ["task.started do/0/greet", "task.failed do/0/greet"]);
  }));
