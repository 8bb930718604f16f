// The fetch client's requests are typed from the generated messages: a misspelt or
// mistyped field fails `deno check` (each @ts-expect-error below must find an error,
// or the type check of this file fails), where `Partial<T> | any` accepted anything.
import { assertEquals } from "../helpers/assert.ts";
import { type Client, makeClient } from "../../src/client/grpc_fetch.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import type { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";

type Resources = Client<typeof ResourceServiceDefinition>;
type Executions = Client<typeof ExecutionServiceDefinition>;

// Never called: only type-checked.
export function badRequests(resources: Resources, executions: Executions): void {
  // @ts-expect-error a field the message does not have
  void resources.get({ org: "local", nosuchField: 1 });
  // @ts-expect-error a field of the wrong type
  void resources.get({ org: "local", kind: 42 });
  // @ts-expect-error a nested field of the wrong type
  void resources.apply({ org: "local", resources: [{ kind: "Agent", labels: "x" }] });
  // @ts-expect-error a stream's request too
  void executions.watch({ org: "local", id: 7 });
  // Every field may be left out: the server fills defaults and checks what it needs.
  void resources.get({});
}

Deno.test("a typed request encodes as the message it names", () => {
  const request: Parameters<Resources["get"]>[0] = { org: "local", kind: "Agent", ref: "a" };
  const type = ResourceServiceDefinition.methods.get.requestType;
  const bytes = type.encode(type.fromPartial(request)).finish();
  assertEquals(type.decode(bytes), { org: "local", kind: "Agent", ref: "a" });
  assertEquals(typeof makeClient, "function");
});
