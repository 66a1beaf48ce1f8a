// A Punch as a channel would produce it, for tests that feed the pipeline directly.
export { punchAt as makePunch } from '../../src/pipeline/punch.js';
