// Echo server on the `ws` package: an independent RFC 6455 implementation for the transport interop tests.
// Prints "listening <port>" once bound to 127.0.0.1 (port 0 = any free port), then "closed <code>" per closed client.
// Text commands: "ping:<payload>" -> the server pings with that payload and reports the pong as "pong:<payload>";
// "close:<code>" -> the server closes with that code. Anything else is echoed; messages over 64 KiB go back as
// several fragments so the client's reassembly is exercised.
'use strict';
const { WebSocketServer } = require('ws');

const FRAGMENT = 64 * 1024;
const server = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2] || 0), perMessageDeflate: false });

server.on('listening', () => console.log(`listening ${server.address().port}`));
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    if (!isBinary) {
      const text = data.toString('utf8');
      if (text.startsWith('ping:')) { socket.ping(Buffer.from(text.slice(5), 'utf8')); return; }
      if (text.startsWith('close:')) { socket.close(Number(text.slice(6)), 'bye from ws'); return; }
    }
    if (data.length <= FRAGMENT) { socket.send(data, { binary: isBinary }); return; }
    for (let offset = 0; offset < data.length; offset += FRAGMENT) {
      const end = Math.min(offset + FRAGMENT, data.length);
      socket.send(data.subarray(offset, end), { binary: isBinary, fin: end === data.length });
    }
  });
  socket.on('pong', (payload) => socket.send(`pong:${payload.toString('utf8')}`));
  socket.on('close', (code) => console.log(`closed ${code}`));
});

process.stdin.on('end', () => process.exit(0)); // the test closes our stdin (or kills us) when it is done
process.stdin.resume();
