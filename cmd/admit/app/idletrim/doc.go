// Package idletrim gives a quiet server's memory back to the system.
//
// A server that has served no request for a while (the Trimmer's after; the
// probes /healthz, /readyz and /metrics do not count, or a scraped node
// would never be quiet) still holds two kinds of memory it does not need:
//
//   - heap the Go runtime has freed but not yet returned (its scavenger
//     returns it over minutes);
//   - the pages of its own executable that start-up and the last requests
//     read: package initialisation, migrations, the code of every endpoint
//     served. They are clean page-cache pages of the binary, counted in the
//     process's RSS; on recent kernels a binary just written by the linker
//     sits in large folios, and a fault then maps a whole folio, so nearly
//     the whole 46 MB of text, rodata and pclntab stays resident.
//
// The trim function (the caller's; `admit serve` uses debug.FreeOSMemory and
// PageOutExecutable) runs once per quiet spell: when a request comes, the
// spell ends, and the next one trims again. PageOutExecutable asks the
// kernel to reclaim the binary's pages at once (madvise MADV_PAGEOUT,
// Linux 5.4 and later), as it would under memory pressure; the next request
// reads the code it runs back from disk (about a dozen major faults,
// measured in docs/benchmarks.md). Pages another process also maps (a hash
// process, another Admit on the same host) are left alone by the kernel.
//
// The flow:
//
//	Middleware: every request but a probe adds one to a counter (one atomic add)
//	Run: every after/4, check(now): counter unchanged for after and not yet trimmed → trim
package idletrim
