// Imported first by the `iclockd` command, before anything else allocates.
//
// V8 "pretenures" an allocation site (allocates its objects straight in the old generation)
// once most of its objects outlive a young-generation collection. Under 10,000 polling
// terminals that decision catches sites the per-request objects come from (Node's own HTTP
// request and stream objects among them): ~25 MB/s of garbage went to the old generation,
// the heap swung between 45 and 200 MB and RSS peaked over 300 MB; with the flag off, polls
// run ~25 % faster and RSS peaks ~230 MB (docs/developer/performance.md). iclockd's long-lived data
// (caches, maps) is small; nothing here gains from pretenuring.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
