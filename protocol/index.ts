// The ADMS / PUSH ("iclock") codec: pure parse and format functions, no I/O.
export * from './attlog.js';
export * from './attphoto.js';
export * from './commands.js';
export * from './devicecmd.js';
export * from './errors.js';
export * from './lines.js';
export * from './operlog.js';
export * from './options.js';
export * from './push3.js';
export * from './query.js';
export * from './reply.js';
export * from './upload.js';
export * from './zktime.js';
