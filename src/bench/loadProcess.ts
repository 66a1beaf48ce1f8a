// Child-process entry of the load generator: the spec is argv[2], one JSON result line goes to stdout.
import { type LoadSpec, runLoad } from './load.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
runLoad(spec).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
