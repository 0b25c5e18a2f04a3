/**
 * Loaded with `node --import <this file>` (or NODE_OPTIONS) into a daemon or a
 * baseline: every 500 ms (and at exit) writes to ROSTER_BENCH_MEMORY where
 * the process's memory is — RSS, V8 heap, external and array buffers, and
 * the size of each WebAssembly.Memory created in JS (PGlite makes its own).
 */
import { writeFileSync } from "node:fs";
import v8 from "node:v8";

const file = process.env.ROSTER_BENCH_MEMORY;
const memories = [];
const Memory = WebAssembly.Memory;
function TrackedMemory(descriptor) {
  const m = new Memory(descriptor);
  memories.push({ m, initialPages: descriptor.initial, maximumPages: descriptor.maximum });
  return m;
}
TrackedMemory.prototype = Memory.prototype;
WebAssembly.Memory = TrackedMemory;

const MB = 1024 * 1024;
function report() {
  if (!file) return;
  const u = process.memoryUsage();
  const h = v8.getHeapStatistics();
  writeFileSync(
    file,
    JSON.stringify({
      rssMB: u.rss / MB,
      heapUsedMB: u.heapUsed / MB,
      heapTotalMB: u.heapTotal / MB,
      externalMB: u.external / MB,
      arrayBuffersMB: u.arrayBuffers / MB,
      codeMB: (h.total_heap_size_executable ?? 0) / MB,
      wasmMemoriesMB: memories.map((x) => x.m.buffer.byteLength / MB),
      wasmInitialMB: memories.map((x) => (x.initialPages * 65536) / MB),
    }),
  );
}
setInterval(report, 500).unref();
process.on("exit", report);
