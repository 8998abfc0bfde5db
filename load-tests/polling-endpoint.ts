// The status endpoints the polling benchmark probes: a node:http server answering a small JSON body
// (the shape of a platform status API) on every path. It runs in a child process so that serving does
// not share the poller's event loop and CPU; the parent learns the port over IPC and kills it after.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let served = 0;
const server = createServer((_req, res) => {
  served++;
  const body = `{"data":{"state":"live","participant_count":${10_000 + (served % 5_000)}}}`;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
// Longer than the poller's keep-alive, so the server never closes a connection the client is about to reuse.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
// The parent asks for this process's CPU time, to show how much of the machine serving took.
process.on('message', (msg) => {
  if (msg === 'cpu') {
    const u = process.cpuUsage();
    process.send?.({ cpuSeconds: (u.user + u.system) / 1e6 });
  }
});
// If the parent dies without killing us, the IPC channel closes: leave with it.
process.on('disconnect', () => process.exit(0));
