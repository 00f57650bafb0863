import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts `server` on `port` and returns its base URL; a port that is taken is an error that says
 * so and names the variable that picks another (not an unhandled 'error' event and a stack trace).
 */
export function listenOn(server: Server, port: number, host: string, portVariable: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${port} on ${host} is taken: stop what uses it, or set ${portVariable} to another port (0: any free one)`,
            )
          : error,
      );
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(`http://${host}:${(server.address() as AddressInfo).port}`);
    });
  });
}
