// The scrape target's server, in a process of its own: it serves the last exposition text its
// parent sent. A test process busy running workflows can stall for seconds, and a target inside it
// would then miss Prometheus's 1 s scrapes, read as the service being down. Plain JavaScript: it
// starts in milliseconds. It exits when its parent does (the IPC channel closes).
import { createServer } from 'node:http';

let body = '';
const server = createServer((req, res) => {
  if (req.url !== '/metrics') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
});
process.on('message', (message) => {
  body = String(message);
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
