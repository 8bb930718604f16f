// Load generator for the daemon (issue 3's known risk: Deno's HTTP/2 layer
// aborted under ~1,000 calls in flight over 20 connections whose clients
// closed). Runs as its own process so that abrupt closes cannot disturb the
// test runner. Prints one JSON line: {ok, failed, ms}.
//
//   deno run --config deno.json --allow-read --allow-env --allow-net=127.0.0.1 \
//     tests/daemon/load_client.ts <dataDir> [connections] [calls] [rounds] [mode] [client]
//
// mode:   clean — wait for every answer, then close;
//         abort — cancel every call in flight (RST_STREAM) once the first answers arrive;
//         exit  — exit the process with every call in flight (the kernel closes the sockets).
// client: fetch  — src/client/grpc_fetch.ts (what the CLI uses);
//         grpcjs — @grpc/grpc-js;
//         h2     — bare node:http2 that closes its session (sends GOAWAY) once
//                  every call is answered: what aborted Deno's nghttp2 before
//                  the server drained busy connections (src/server/listen.ts).
import * as grpc from "@grpc/grpc-js";
import http2 from "node:http2";
import { readDaemonInfo } from "../../src/rpc/daemon_info.ts";
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { DaemonServiceDefinition } from "../../src/rpc/gen/stigmer/v1/daemon.ts";
import { HealthDefinition } from "../../src/rpc/gen/grpc/health/v1/health.ts";

const [dataDir, connArg = "20", callArg = "50", roundArg = "3", mode = "abort", client = "fetch"] =
  Deno.args;
const connections = Number(connArg), calls = Number(callArg), rounds = Number(roundArg);
const info = readDaemonInfo(`${dataDir}/daemon.json`);
if (!info) throw new Error(`no daemon.json in ${dataDir}`);
const token = Deno.readTextFileSync(`${dataDir}/daemon.token`).trim();
const endpoint = `${info.host}:${info.port}`;

let ok = 0, failed = 0;
const began = performance.now();

async function fetchConnection(): Promise<void> {
  const channel = new Channel({ endpoint, token });
  const daemon = makeClient(channel, DaemonServiceDefinition);
  const health = makeClient(channel, HealthDefinition);
  const abort = new AbortController();
  const inFlight = Array.from(
    { length: calls },
    (_, i) =>
      i % 2 === 0
        ? daemon.status({}, { signal: abort.signal })
        : health.check({ service: "" }, { signal: abort.signal }),
  );
  if (mode !== "clean") await Promise.race(inFlight).catch(() => {});
  if (mode === "abort") abort.abort();
  if (mode === "exit") return;
  for (const r of await Promise.allSettled(inFlight)) r.status === "fulfilled" ? ok++ : failed++;
  channel.close();
}

function grpcjsConnection(): Promise<void> {
  const path = `/${HealthDefinition.fullName}/Check`;
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  const raw = new grpc.Client(endpoint, grpc.credentials.createInsecure());
  const encode = (m: unknown) =>
    Buffer.from(HealthDefinition.methods.check.requestType.encode(m as never).finish());
  const decode = (b: Buffer) => HealthDefinition.methods.check.responseType.decode(b);
  let firstAnswer: () => void;
  const first = new Promise<void>((r) => (firstAnswer = r));
  const started: grpc.ClientUnaryCall[] = [];
  const inFlight = Array.from({ length: calls }, () =>
    new Promise<void>((resolve) => {
      started.push(
        raw.makeUnaryRequest(path, encode, decode, { service: "" }, metadata, (err) => {
          err ? failed++ : ok++;
          firstAnswer();
          resolve();
        }),
      );
    }));
  return (async () => {
    if (mode !== "clean") await first;
    if (mode === "exit") return;
    if (mode === "abort") { for (const call of started) call.cancel(); }
    await Promise.all(inFlight);
    raw.close();
  })();
}

/** True when the promise settles in time; keeps the process alive meanwhile. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    promise.then(() => true, () => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return result;
}

function h2Connection(): Promise<void> {
  const session = http2.connect(`http://${endpoint}`);
  session.on("error", () => {});
  const inFlight = Array.from({ length: calls }, () =>
    new Promise<void>((resolve) => {
      let served = false;
      const request = session.request({
        ":method": "POST",
        ":path": `/${HealthDefinition.fullName}/Check`,
        "content-type": "application/grpc",
        te: "trailers",
        authorization: `Bearer ${token}`,
      });
      request.on("response", (headers) => (served = headers[":status"] === 200));
      request.on("data", () => {});
      request.on("error", () => {});
      request.on("close", () => {
        served ? ok++ : failed++;
        resolve();
      });
      request.end(new Uint8Array(5)); // one empty HealthCheckRequest
    }));
  return (async () => {
    if (mode !== "clean") await Promise.race(inFlight);
    if (mode === "exit") return;
    if (mode === "abort") {
      session.destroy(); // no GOAWAY, no answer for the rest
      return;
    }
    // node:http2 in Deno 2.9.6 may never close a stream the server refused
    // with its GOAWAY, nor call back from close(): give up after a while.
    if (await within(Promise.all(inFlight), 5000)) {
      await within(new Promise<void>((resolve) => session.close(resolve)), 2000); // GOAWAY
    }
    session.destroy();
  })();
}

const connect = { fetch: fetchConnection, grpcjs: grpcjsConnection, h2: h2Connection }[client];
if (!connect) throw new Error(`unknown client ${client}`);

for (let round = 0; round < rounds; round++) {
  // A dead server fails the calls (counted), never this process.
  const connectionsDone = Promise.all(
    Array.from({ length: connections }, () => connect().catch(() => void failed++)),
  );
  if (mode === "exit") {
    // Every connection has answered once, the rest of its calls are on the
    // wire: leave without a word.
    await connectionsDone;
    console.log(JSON.stringify({ ok, failed, ms: Math.round(performance.now() - began) }));
    Deno.exit(0);
  }
  await connectionsDone;
}
console.log(JSON.stringify({ ok, failed, ms: Math.round(performance.now() - began) }));
Deno.exit(0);
