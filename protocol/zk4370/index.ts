// The ZK binary protocol (TCP port 4370), which terminals without ADMS answer: pure framing,
// comm key, requests and replies, and record decoders. No I/O; src/poller/ holds the sockets.
export * from './commands.js';
export * from './commKey.js';
export * from './packet.js';
export * from './records.js';
