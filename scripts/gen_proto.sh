#!/bin/sh
# Regenerates src/rpc/gen/ from proto/. Needs protoc (Debian: protobuf-compiler).
# ts-proto "generic-definitions" emits plain service descriptors with no gRPC
# import, so the CLI's lean client and the grpc-js server share one file.
set -eu
cd "$(dirname "$0")/.."
out=${1:-src/rpc/gen}
rm -rf "$out" && mkdir -p "$out"
protoc \
  --plugin=protoc-gen-ts_proto=scripts/protoc-gen-ts_proto \
  --ts_proto_out="$out" \
  --ts_proto_opt=outputServices=generic-definitions,importSuffix=.ts,forceLong=number,esModuleInterop=true,useOptionals=none,outputJsonMethods=false,outputPartialMethods=true,env=both,fileSuffix= \
  -I proto \
  $(find proto -name '*.proto' | sort)
deno fmt --quiet --no-config --line-width 100 "$out" >/dev/null 2>&1 || true
# The hash of the sources lets a test notice stale code even without protoc.
cat $(find proto -name '*.proto' | sort) | sha256sum | cut -d' ' -f1 > "$out/PROTO_SHA256"
