// A tiny SMTP server on 127.0.0.1 for tests that follow a sign-in email to a mailbox (SMTP_URL).
import { createServer, type Server, type Socket } from 'node:net';

/** A tiny SMTP server on 127.0.0.1 that accepts every message and hands them out in order. */
export async function startSmtpCatcher(): Promise<{ port: number; next(): Promise<{ to: string[]; data: string }>; close(): Promise<void> }> {
  const received: { to: string[]; data: string }[] = [];
  const waiting: ((mail: { to: string[]; data: string }) => void)[] = [];
  const deliver = (mail: { to: string[]; data: string }) => (waiting.length ? waiting.shift()!(mail) : received.push(mail));
  const sockets = new Set<Socket>();
  const smtp: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    let inData = false;
    let mail = { to: [] as string[], data: '' };
    socket.write('220 catcher ready\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) !== -1) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            deliver(mail);
            mail = { to: [], data: '' };
            socket.write('250 queued\r\n');
          } else mail.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 catcher\r\n');
        else if (verb === 'RCPT') {
          mail.to.push(line.slice(line.indexOf(':') + 1).trim());
          socket.write('250 ok\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return {
    port: (smtp.address() as { port: number }).port,
    next: () => (received.length ? Promise.resolve(received.shift()!) : new Promise((resolve) => waiting.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        smtp.close(() => resolve());
      }),
  };
}
